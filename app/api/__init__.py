"""The REST resources at /api/v1/ (SPEC §14): ``register_apis`` adds every one of them.

Each ``app/api/<feature>.py`` holds the ``BmModelRestApi`` classes of one feature; they share
the services, the village scoping and (through :mod:`app.labels`) the column labels of the
pages, and never import the views.
"""

from __future__ import annotations


def register_apis(appbuilder) -> None:
    """Every REST resource, then the OpenAPI document at /api/v1/_openapi (without FAB's
    Swagger UI, which loads a CDN)."""
    from flask_appbuilder.api.manager import OpenApi

    from .cases import CaseApi, ServiceItemApi
    from .payouts import PayoutLineApi, PayoutSheetApi
    from .supervision import (
        AccountabilityApi,
        AssessmentApi,
        ComplaintApi,
        DeductionApi,
        InspectionApi,
        MonthlyReportApi,
        TrainingApi,
    )
    from .villages import AgentApi, VillageApi

    for api in (
        CaseApi,
        InspectionApi,
        ComplaintApi,
        TrainingApi,
        DeductionApi,
        MonthlyReportApi,
        AssessmentApi,
        AccountabilityApi,
        PayoutSheetApi,
        PayoutLineApi,
        VillageApi,
        AgentApi,
        ServiceItemApi,
        OpenApi,
    ):
        appbuilder.add_api(api)
