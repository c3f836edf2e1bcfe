# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import ValidationError


class GroupError(ValidationError):
    pass


class MemberError(ValidationError):
    pass


class MeetingError(ValidationError):
    pass


class SavingError(ValidationError):
    pass


class LoanError(ValidationError):
    pass


class RepaymentError(ValidationError):
    pass


class EnterpriseError(ValidationError):
    pass


class BusinessPlanError(ValidationError):
    pass


class CompetitionError(ValidationError):
    pass


class PortfolioError(ValidationError):
    pass


class SubventionError(ValidationError):
    pass
