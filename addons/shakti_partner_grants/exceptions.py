# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import AccessError, ValidationError


class FunderError(AccessError):
    pass


class GrantError(ValidationError):
    pass


class AgreementError(ValidationError):
    pass


class TrancheError(ValidationError):
    pass


class MilestoneError(ValidationError):
    pass


class DisbursementError(ValidationError):
    pass


class UtilisationError(ValidationError):
    pass


class ScorecardError(ValidationError):
    pass
