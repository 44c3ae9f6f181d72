"""The app factory freezes the start-up objects out of the cyclic collector, once a process."""

from __future__ import annotations

import gc

import app as app_package


def test_started_app_is_frozen_once_per_process(app):
    assert app_package._frozen is True
    frozen = gc.get_freeze_count()
    assert frozen > 0
    app_package._freeze_startup_objects(app)  # a second app does not pin itself too
    assert gc.get_freeze_count() == frozen
