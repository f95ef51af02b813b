"""XML serialisation with an unprefixed default namespace, safe beside other writers.

``xml.etree.ElementTree.register_namespace`` is process-wide: the DASH writer's default namespace
(MPD) would replace VAST's, and VAST documents written afterwards came out as ``<ns0:VAST>``. Each
writer therefore registers its default namespace and serialises under one lock.
"""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from typing import Literal, overload

_LOCK = threading.Lock()


@overload
def tostring_default_ns(root: ET.Element, namespace: str, *, encoding: Literal["unicode"],
                        xml_declaration: bool = False) -> str: ...
@overload
def tostring_default_ns(root: ET.Element, namespace: str, *, encoding: Literal["utf-8"],
                        xml_declaration: bool = False) -> bytes: ...
def tostring_default_ns(root: ET.Element, namespace: str, *, encoding: str,
                        xml_declaration: bool = False) -> str | bytes:
    """``ET.tostring`` with ``namespace`` written as the default (unprefixed) namespace."""
    with _LOCK:
        ET.register_namespace("", namespace)
        return ET.tostring(root, encoding=encoding, xml_declaration=xml_declaration)
