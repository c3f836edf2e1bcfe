# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import without_check_access

from .exceptions import StallError
from .market import _at_or_below


class POS(metaclass=PoolMeta):
    __name__ = 'sale.point'

    stall = fields.Function(
        fields.Many2One('shakti.market.stall', "Stall"), 'get_stall')

    @classmethod
    def get_stall(cls, points, name):
        pool = Pool()
        Stall = pool.get('shakti.market.stall')
        result = {p.id: None for p in points}
        for stall in Stall.search([
                    ('point', 'in', [p.id for p in points]),
                    ]):
            result[stall.point.id] = stall.id
        return result


class POSSale(metaclass=PoolMeta):
    __name__ = 'sale.point.sale'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Staff of an organisation above a CBO sell at the CBO's stall: the
        # sale takes the organisation of its point, and the record rules
        # limit the points to those of the user's organisations.
        cls.point.domain = []

    @fields.depends('point', 'company', 'employee')
    def on_change_point(self):
        if self.point and self.point.company != self.company:
            self.company = self.point.company
            if self.employee and self.employee.company != self.company:
                self.employee = None

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        POS = pool.get('sale.point')
        Employee = pool.get('company.employee')
        values = super().preprocess_values(mode, values)
        if values.get('point') is not None:
            company = POS(values['point']).company
            values['company'] = company.id
            employee = values.get('employee')
            if employee is not None and Employee(employee).company != company:
                values['employee'] = None
        return values

    @classmethod
    def validate_fields(cls, sales, field_names):
        super().validate_fields(sales, field_names)
        if field_names is None or 'point' in field_names:
            cls.check_stall_open(sales)

    @classmethod
    def check_stall_open(cls, sales):
        pool = Pool()
        Stall = pool.get('shakti.market.stall')
        points = {s.point.id for s in sales if s.state == 'open'}
        if not points:
            return
        with without_check_access():
            stalls = Stall.search([('point', 'in', list(points))])
        for stall in stalls:
            if stall.state != 'open':
                raise StallError(gettext(
                        'shakti_market.msg_stall_sale_closed',
                        stall=stall.rec_name,
                        state=stall.state_string))


class POSSaleLine(metaclass=PoolMeta):
    __name__ = 'sale.point.sale.line'

    @classmethod
    def validate_fields(cls, lines, field_names):
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        super().validate_fields(lines, field_names)
        if field_names is None or field_names & {'sale', 'product'}:
            # A sale made while the stall was open takes no goods once it
            # is closed.
            Sale.check_stall_open({l.sale for l in lines})
            cls.check_product_organisation(lines)

    @classmethod
    def check_product_organisation(cls, lines):
        "A stall sells the goods of its organisation and of those below it"
        for line in lines:
            organisation = line.product.template.organisation
            company = line.sale.company
            if organisation and not _at_or_below(organisation, company):
                raise StallError(gettext(
                        'shakti_market.msg_sale_product_organisation',
                        product=line.product.rec_name,
                        organisation=organisation.rec_name,
                        point=line.sale.point.rec_name,
                        company=company.rec_name))
