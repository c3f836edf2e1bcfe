# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError, UserWarning
from trytond.model.exceptions import ValidationError


class SurvivorError(ValidationError):
    pass


class SurvivorDuplicateWarning(UserWarning):
    pass


class IntakeError(ValidationError):
    pass


class ApplicationError(ValidationError):
    pass


class ApplicationStateError(UserError):
    pass


class FollowUpError(ValidationError):
    pass


class CasePlanError(ValidationError):
    pass


class CasePlanStateError(UserError):
    pass


class CasePlanActionError(ValidationError):
    pass


class FamilyPlanError(ValidationError):
    pass


class FamilyPlanStateError(UserError):
    pass


class FamilyConsentError(UserError):
    pass


class RatingError(ValidationError):
    pass


class MeetingError(ValidationError):
    pass


class VillageDemandError(ValidationError):
    pass


class CaseImportError(UserError):
    pass


class CounsellingError(ValidationError):
    pass


class LegalCaseError(ValidationError):
    pass


class CompensationError(ValidationError):
    pass


class DashboardError(UserError):
    pass


class SurvivorAccountError(ValidationError):
    pass


class ResetCodeError(UserError):
    pass
