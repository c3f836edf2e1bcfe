# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields
from trytond.pyson import Bool, Eval, If

LEVELS = [
    ('gram_panchayat', "Gram Panchayat"),
    ('block', "Block"),
    ('district', "District"),
    ('state', "State"),
    ]
OFFICE_TYPES = [
    ('gram_panchayat', "Gram Panchayat Office"),
    ('bdo', "Block Development Office"),
    ('block_health', "Block Health Office"),
    ('police', "Police Station"),
    ('court', "Court"),
    ('legal_services', "Legal Services Authority"),
    ('district_administration', "District Administration"),
    ('food_supply', "Food and Supplies Office"),
    ('bank', "Bank Branch"),
    ('other', "Other"),
    ]


class Scheme(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'shakti.scheme'
    __string__ = "Welfare Scheme"
    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True, translate=True)
    category = fields.Selection([
            ('housing', "Housing"),
            ('sanitation', "Sanitation"),
            ('food', "Food"),
            ('pension', "Pension"),
            ('health', "Health Cover"),
            ('identity', "Identity Document"),
            ('banking', "Bank Account"),
            ('compensation', "Victim Compensation"),
            ('cash_transfer', "Cash Transfer"),
            ('employment', "Employment"),
            ('energy', "Cooking Energy"),
            ('rehabilitation', "Rehabilitation"),
            ], "Category", required=True)
    government = fields.Selection([
            ('central', "Government of India"),
            ('west_bengal', "Government of West Bengal"),
            ('andhra_pradesh', "Government of Andhra Pradesh"),
            ], "Government", required=True)
    department = fields.Char("Department")
    level = fields.Selection(
        LEVELS, "Level", required=True, sort=False,
        help="Where applications are made or decided.")
    benefit = fields.Text("Benefit", translate=True)
    source = fields.Char(
        "Source", help="The official page the scheme's details come from.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'shakti_case.msg_scheme_code_unique'),
            ]
        cls._order.insert(0, ('name', 'ASC'))

    def get_rec_name(self, name):
        return '[%s] %s' % (self.code, self.name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('code', operator, operand, *extra),
            ('name', operator, operand, *extra),
            ]


class Office(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'shakti.office'
    __string__ = "Government Office"
    name = fields.Char("Name", required=True)
    type = fields.Selection(OFFICE_TYPES, "Type", required=True)
    place = fields.Many2One(
        'shakti.place', "Place", required=True, ondelete='RESTRICT',
        help="The district, block, gram panchayat or village it serves.")
    address = fields.Text("Address")
    duty_bearers = fields.One2Many(
        'shakti.duty_bearer', 'office', "Duty Bearers")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))


class DutyBearer(DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'shakti.duty_bearer'
    __string__ = "Duty Bearer"
    name = fields.Char("Name", required=True)
    designation = fields.Char(
        "Designation", required=True,
        help="The post held, for example Block Development Officer.")
    office = fields.Many2One(
        'shakti.office', "Office", required=True, ondelete='RESTRICT')
    start_date = fields.Date("Start Date")
    end_date = fields.Date(
        "End Date",
        domain=[
            If(Bool(Eval('start_date')) & Bool(Eval('end_date')),
                ('end_date', '>=', Eval('start_date')),
                ()),
            ],
        help="When the person left the post; the office remains.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    def get_rec_name(self, name):
        return '%s (%s, %s)' % (
            self.name, self.designation, self.office.rec_name)

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('name', operator, operand, *extra),
            ('designation', operator, operand, *extra),
            ('office.name', operator, operand, *extra),
            ]
