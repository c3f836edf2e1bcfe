# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model.exceptions import ValidationError


class ProductGroupError(ValidationError):
    pass


class ProductError(ValidationError):
    pass


class ReceiptError(ValidationError):
    pass


class TransferError(ValidationError):
    pass


class FairError(ValidationError):
    pass


class StallError(ValidationError):
    pass


class InspectionError(ValidationError):
    pass


class OrderError(ValidationError):
    pass
