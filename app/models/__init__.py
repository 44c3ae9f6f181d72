"""All models, one module per aggregate; importing this package registers every table."""

from .accountability import Accountability
from .agent import Agent
from .attachment import CaseAttachment
from .audit import AuditLog
from .base import Model, TownshipScoped, VillageScoped
from .calendar import CalendarDay, CalendarYear
from .case import Case, CaseCounter, CaseExtension, CaseTransition
from .catalog import ServiceCategory, ServiceItem
from .jobs import JobLock, JobRun
from .login_throttle import LoginThrottle
from .notification import Notification
from .payout import PayoutAction, PayoutLine, PayoutSheet
from .rating import BadRatingItem, CaseRating
from .report import MonthlyReport, MonthlyReportAction
from .stats import TownshipMonthCategoryStats, TownshipMonthStats, VillageMonthCategoryStats, VillageMonthStats
from .supervision import (
    AnnualAssessment,
    AssessmentEvidence,
    Complaint,
    Deduction,
    Inspection,
    SignIn,
    Training,
    TrainingAttendance,
)
from .township import Township
from .user import BmUser
from .village import SIX_ONES, Village

__all__ = [
    "Accountability",
    "Agent",
    "AnnualAssessment",
    "AssessmentEvidence",
    "AuditLog",
    "BadRatingItem",
    "BmUser",
    "CalendarDay",
    "CalendarYear",
    "Case",
    "CaseAttachment",
    "CaseCounter",
    "CaseExtension",
    "CaseRating",
    "CaseTransition",
    "Complaint",
    "Deduction",
    "Inspection",
    "JobLock",
    "JobRun",
    "LoginThrottle",
    "Model",
    "MonthlyReport",
    "MonthlyReportAction",
    "Notification",
    "PayoutAction",
    "PayoutLine",
    "PayoutSheet",
    "SIX_ONES",
    "ServiceCategory",
    "ServiceItem",
    "SignIn",
    "Township",
    "TownshipMonthCategoryStats",
    "TownshipMonthStats",
    "TownshipScoped",
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
            CaseAttachment,
            SignIn,
            Inspection,
            Complaint,
            TrainingAttendance,
            Deduction,
            AnnualAssessment,
            AssessmentEvidence,
            Accountability,
            MonthlyReport,
            MonthlyReportAction,
            PayoutLine,
            BmUser,
            CaseRating,
            BadRatingItem,
            Notification,
            VillageMonthStats,
            VillageMonthCategoryStats,
        )
    ]


def township_models() -> list[type]:
    """Mapped classes whose rows belong to a township, not to one village (issue 15 §1): a
    township user sees only their township's, a village user only their village's township's."""
    return [Township, PayoutSheet, PayoutAction, ServiceItem, TownshipMonthStats, TownshipMonthCategoryStats]
