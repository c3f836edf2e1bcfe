# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class SurvivorError(ValidationError):
    pass


class IntakeError(ValidationError):
    pass


class ApplicationError(ValidationError):
    pass


class ApplicationStateError(UserError):
    pass


class FollowUpError(ValidationError):
    pass


class DashboardError(UserError):
    pass
