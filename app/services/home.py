"""What the first screen shows (SPEC §10): township roles get the township dashboard,
村支书 and 村代办员 their village's dashboard (the agent's to-do list first)."""

from __future__ import annotations

from ..policy.roles import ROLE_AGENT, is_village_user


def home_kind(user, can_read_dashboard: bool) -> str:
    """``township`` / ``village`` / ``plain`` (a role without dashboard access)."""
    if not can_read_dashboard:
        return "plain"
    return "village" if is_village_user(user) else "township"


def home_context(user, can_read_dashboard: bool = True) -> dict:
    roles = [r.name for r in user.roles]
    kind = home_kind(user, can_read_dashboard)
    if kind == "village" and user.village is None:
        kind = "plain"
    # the dashboard itself (``d``) is the web layer's: app.views.dashboard_pages.home_dashboard
    return {"user": user, "roles": roles, "village": user.village, "kind": kind, "is_agent": ROLE_AGENT in roles}
