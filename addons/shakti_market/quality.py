# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import ModelView, Workflow
from trytond.model.exceptions import AccessError
from trytond.modules.shakti_base.model import check_readonly
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from .exceptions import InspectionError

# The groups whose users record inspections; Tryton lets every user write
# them.
INSPECTOR_GROUPS = [
    ('shakti_base', 'group_livelihood_officer'),
    ('shakti_base', 'group_admin'),
    ('quality', 'group_quality'),
    ]


class Inspection(metaclass=PoolMeta):
    __name__ = 'quality.inspection'

    @classmethod
    def get_from_control(cls, control, origin=None):
        inspection = super().get_from_control(control, origin=origin)
        # Staff of an organisation above inspect a CBO's transfer: the
        # inspection belongs to the transfer's organisation.
        if origin is not None and getattr(origin, 'company', None):
            inspection.company = origin.company
        return inspection

    @classmethod
    def check_modification(
            cls, mode, inspections, values=None, external=False):
        super().check_modification(
            mode, inspections, values=values, external=external)
        if external and not cls.is_inspector():
            raise AccessError(gettext(
                    'shakti_market.msg_inspection_group',
                    inspection=inspections[0].rec_name))
        # The state changes only by the buttons, which check the points.
        if external and mode == 'write' and values:
            check_readonly(cls, inspections, values)

    @classmethod
    def is_inspector(cls):
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        User = pool.get('res.user')
        groups = set(User.get_groups())
        return any(
            ModelData.get_id(module, name) in groups
            for module, name in INSPECTOR_GROUPS)

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
        cls.resolve_alerts(inspections)

    @classmethod
    @ModelView.button
    @Workflow.transition('failed')
    def fail(cls, inspections):
        super().fail(inspections)
        cls.reopen_alerts(inspections)

    @classmethod
    def resolve_alerts(cls, inspections):
        """Resolve the alerts of the inspections that passed: the goods
        were checked again and met the criteria"""
        pool = Pool()
        Alert = pool.get('quality.alert')
        with without_check_access():
            alerts = Alert.search([
                    ('origin', 'in', [str(i) for i in inspections]),
                    ('state', '!=', 'resolved'),
                    ])
            Alert.process([a for a in alerts if a.state != 'processing'])
            Alert.resolve(alerts)

    @classmethod
    def reopen_alerts(cls, inspections):
        """Open again the resolved alerts of the inspections that failed,
        so that they block their transfers until resolved"""
        pool = Pool()
        Alert = pool.get('quality.alert')
        with without_check_access():
            Alert.open(Alert.search([
                        ('origin', 'in', [str(i) for i in inspections]),
                        ('state', '=', 'resolved'),
                        ]))


class Control(metaclass=PoolMeta):
    __name__ = 'quality.control'

    @classmethod
    def check_modification(cls, mode, controls, values=None, external=False):
        super().check_modification(
            mode, controls, values=values, external=external)
        if external and mode in {'write', 'delete'}:
            check_group_coordinator(controls)


class ControlPoint(metaclass=PoolMeta):
    __name__ = 'quality.control.point'

    @classmethod
    def check_modification(cls, mode, points, values=None, external=False):
        super().check_modification(
            mode, points, values=values, external=external)
        if external:
            check_group_coordinator({p.control for p in points})


def check_group_coordinator(controls):
    """Raise AccessError unless the user may change the product groups
    whose criteria the controls are"""
    pool = Pool()
    ProductGroup = pool.get('shakti.market.product_group')
    with Transaction().set_context(active_test=False):
        groups = ProductGroup.search([
                ('control', 'in', [c.id for c in controls]),
                ])
    ProductGroup.check_coordinator(groups)
