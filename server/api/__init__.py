"""One module per API area; each exposes only ``router`` (an ApiRouter). ``server.app`` installs them in this order."""

from server.api import (
    account,
    activity,
    admin,
    ads,
    analytics,
    auth,
    catalog,
    cms,
    images,
    notifications,
    ops,
    pages,
    payments,
    playback,
    profiles,
    recommendations,
    stream,
    subscriptions,
)

AREAS = (
    ops, auth, profiles, admin, catalog, playback, activity, stream, subscriptions, payments, cms,
    recommendations, analytics, ads, images, pages, account, notifications,
)
