# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class OrganisationError(ValidationError):
    pass


class PlaceError(ValidationError):
    pass


class PlaceImportError(UserError):
    pass
