"""A client generated from the live OpenAPI document, as a developer would make one.

``generate_models`` runs datamodel-code-generator on the document and imports the pydantic models
it writes; ``round_trip`` parses a JSON body with the model a ``$ref`` names and dumps it back,
returning what differs (nothing, when the document and the server agree).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from datamodel_code_generator import DataModelType, Formatter, InputFileType, PythonVersion, generate


def generate_models(doc: dict[str, Any], where: Path) -> ModuleType:
    """Pydantic v2 models for every component schema of ``doc``, written under ``where`` and imported."""
    out = where / "ott_generated_client.py"
    generate(json.dumps(doc), input_file_type=InputFileType.OpenAPI, output=out,
             output_model_type=DataModelType.PydanticV2BaseModel, target_python_version=PythonVersion.PY_311,
             use_annotated=False, disable_timestamp=True, formatters=[Formatter.BUILTIN])
    spec = importlib.util.spec_from_file_location("ott_generated_client", out)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def round_trip(models: ModuleType, ref: str, body: Any) -> str | None:
    """Why ``body`` does not round-trip through the generated model named by ``ref``, or None."""
    name = ref.rsplit("/", 1)[1]
    model = getattr(models, name, None)
    if model is None:
        return f"the generated client has no model {name}"
    try:
        back = model.model_validate(body).model_dump(mode="json", by_alias=True, exclude_unset=True)
    except Exception as err:  # any parse failure is the mismatch to report
        return f"{name}: {str(err)[:300]}"
    return None if back == body else f"{name}: the round trip changed the body"
