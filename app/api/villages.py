"""/api/v1/village/ and /api/v1/agent/ (SPEC §14)."""

from __future__ import annotations

from flask_appbuilder.models.sqla.interface import SQLAInterface

from ..extensions import db
from ..models import SIX_ONES, Agent, Village
from ..services import agents as agent_service
from ..services import villages as village_service
from ..views.villages import AgentView, VillageView
from .base import BmModelRestApi

SIX = [f for attr, _ in SIX_ONES for f in (attr, f"{attr}_checked_on")]


class VillageApi(BmModelRestApi):
    resource_name = "village"
    class_permission_name = "Village"
    datamodel = SQLAInterface(Village, db.session)
    service_create = village_service.create_village
    service_update = village_service.update_village
    request_specs = {"post": village_service.SPEC, "put": village_service.SPEC}
    list_columns = [
        "id",
        "name",
        "code",
        "address",
        "service_phone",
        "secretary_name",
        "active",
        "supplement_per_year",
        "six_ones_met",
    ]
    show_columns = [
        "id",
        "name",
        "code",
        "address",
        "service_phone",
        "secretary_name",
        "active",
        "supplement_per_year",
        "six_ones_met",
        *SIX,
        "version",
    ]
    add_columns = ["name", "code", "address", "service_phone", "secretary_name", "active", "supplement_per_year", *SIX]
    edit_columns = add_columns
    label_columns = VillageView.label_columns
    search_columns = ["name", "code", "active"]
    order_columns = ["name", "code"]


class AgentApi(BmModelRestApi):
    resource_name = "agent"
    class_permission_name = "Agent"
    datamodel = SQLAInterface(Agent, db.session)
    service_create = agent_service.create_agent
    service_update = agent_service.update_agent
    request_specs = {"post": agent_service.SPEC, "put": agent_service.SPEC}
    list_columns = [
        "id",
        "name",
        "gender",
        "village_id",
        "level",
        "status",
        "education",
        "phone_masked",
        "id_number_masked",
        "hired_on",
    ]
    show_columns = [
        "id",
        "name",
        "gender",
        "id_number_detail",
        "phone_detail",
        "birth_date",
        "education",
        "level",
        "village_id",
        "window_unit",
        "appointment_kind",
        "long_term_resident",
        "is_grid_worker",
        "age_override_reason",
        "nominated_on",
        "approved_on",
        "filed_on",
        "committee_decided_on",
        "hired_on",
        "status",
        "dismissed_on",
        "dismissal_reason",
        "version",
    ]
    add_columns = [
        "name",
        "gender",
        "id_number",
        "phone",
        "education",
        "level",
        "village_id",
        "window_unit",
        "appointment_kind",
        "long_term_resident",
        "is_grid_worker",
        "age_override_reason",
        "nominated_on",
        "approved_on",
        "filed_on",
        "committee_decided_on",
        "hired_on",
        "status",
        "dismissed_on",
        "dismissal_reason",
    ]
    edit_columns = add_columns
    label_columns = {
        **AgentView.label_columns,
        "id_number_masked": AgentView.label_columns["id_number"],
        "phone_masked": AgentView.label_columns["phone"],
        "village_id": AgentView.label_columns["village"],
    }
    search_columns = ["name", "village_id", "level", "status"]
    order_columns = ["name", "village_id", "status"]
