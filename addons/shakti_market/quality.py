# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow
from trytond.pool import PoolMeta

from .exceptions import InspectionError


class Inspection(metaclass=PoolMeta):
    __name__ = 'quality.inspection'

    @classmethod
    @ModelView.button
    @Workflow.transition('passed')
    def pass_(cls, inspections):
        # A failed inspection passes only once its points are measured
        # again and meet the criteria: reset it to pending and process it.
        for inspection in inspections:
            if inspection.control and not inspection.check():
                raise InspectionError(gettext(
                        'shakti_market.msg_inspection_pass_failing',
                        inspection=inspection.rec_name,
                        control=inspection.control.rec_name))
        super().pass_(inspections)
