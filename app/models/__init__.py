"""All models, one module per aggregate; importing this package registers every table."""

from .agent import Agent
from .audit import AuditLog
from .base import Model, VillageScoped
from .calendar import CalendarDay, CalendarYear
from .case import Case, CaseCounter, CaseExtension, CaseTransition
from .catalog import ServiceCategory, ServiceItem
from .login_throttle import LoginThrottle
from .payout import PayoutAction, PayoutLine, PayoutSheet
from .report import MonthlyReport, MonthlyReportAction
from .stats import VillageMonthCategoryStats, VillageMonthStats
from .supervision import (
    AnnualAssessment,
    Complaint,
    Deduction,
    Inspection,
    SignIn,
    Training,
    TrainingAttendance,
)
from .user import BmUser
from .village import SIX_ONES, Village

__all__ = [
    "Agent",
    "AnnualAssessment",
    "AuditLog",
    "BmUser",
    "CalendarDay",
    "CalendarYear",
    "Case",
    "CaseCounter",
    "CaseExtension",
    "CaseTransition",
    "Complaint",
    "Deduction",
    "Inspection",
    "LoginThrottle",
    "Model",
    "MonthlyReport",
    "MonthlyReportAction",
    "PayoutAction",
    "PayoutLine",
    "PayoutSheet",
    "SIX_ONES",
    "ServiceCategory",
    "ServiceItem",
    "SignIn",
    "Training",
    "TrainingAttendance",
    "Village",
    "VillageMonthCategoryStats",
    "VillageMonthStats",
    "VillageScoped",
]


def scoped_models() -> list[type]:
    """Every mapped class whose rows belong to a village (plus users linked to one)."""
    return [
        m
        for m in (
            Village,
            Agent,
            Case,
            CaseTransition,
            CaseExtension,
            SignIn,
            Inspection,
            Complaint,
            TrainingAttendance,
            Deduction,
            AnnualAssessment,
            MonthlyReport,
            MonthlyReportAction,
            PayoutLine,
            BmUser,
            VillageMonthStats,
            VillageMonthCategoryStats,
        )
    ]
