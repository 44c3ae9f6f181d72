"""/api/v1/village/ and /api/v1/agent/ (SPEC §14)."""

from __future__ import annotations

from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from marshmallow import fields

from ..extensions import db
from ..labels import AGENT_LABELS, VILLAGE_LABELS
from ..models import SIX_ONES, Agent, Village
from ..services import agents as agent_service
from ..services import privacy
from ..services import villages as village_service
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
    add_columns = [
        "name",
        "code",
        "township_id",
        "address",
        "service_phone",
        "secretary_name",
        "active",
        "supplement_per_year",
        *SIX,
    ]
    edit_columns = add_columns
    label_columns = {**VILLAGE_LABELS}
    search_columns = ["name", "code", "active"]
    order_columns = ["name", "code"]


# One agent's ID number and phone as this viewer may see them (SPEC §12), also when the client
# picks its ``columns``: the model does not know the viewer, ``services.privacy`` decides.
class AgentInterface(SQLAInterface):
    def is_property_or_function(self, col_name: str) -> bool:
        return col_name in privacy.AGENT_DETAIL_COLUMNS or super().is_property_or_function(col_name)


class AgentSchemaConverter(Model2SchemaConverter):
    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        shown = privacy.AGENT_DETAIL_COLUMNS.get(column.name)
        if shown is not None:
            return fields.Function(shown, dump_only=True)
        return super()._column2field(datamodel, column, nested=nested, parent_schema_name=parent_schema_name)


class AgentApi(BmModelRestApi):
    resource_name = "agent"
    class_permission_name = "Agent"
    datamodel = AgentInterface(Agent, db.session)
    model2schemaconverter = AgentSchemaConverter
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
        "township_id",
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
        "township_id",
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
        **AGENT_LABELS,
        "id_number_masked": AGENT_LABELS["id_number"],
        "phone_masked": AGENT_LABELS["phone"],
        "village_id": AGENT_LABELS["village"],
    }
    search_columns = ["name", "village_id", "level", "status"]
    order_columns = ["name", "village_id", "status"]
