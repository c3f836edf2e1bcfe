# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
from sql import Null
from trytond.model import DeactivableMixin, ModelSQL, ModelView, Unique, fields
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .rating import RatedMixin

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
POSTS = [
    ('bdo', "Block Development Officer"),
    ('joint_bdo', "Joint Block Development Officer"),
    ('mpdo', "Mandal Parishad Development Officer"),
    ('block_medical_officer', "Block Medical Officer of Health"),
    ('panchayat_pradhan', "Panchayat Pradhan"),
    ('panchayat_member', "Panchayat Member"),
    ('panchayat_secretary', "Panchayat Secretary"),
    ('public_prosecutor', "Public Prosecutor"),
    ('police_officer', "Police Officer"),
    ('district_magistrate', "District Magistrate"),
    ('food_inspector', "Food Inspector"),
    ('bank_manager', "Bank Manager"),
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


class Office(RatedMixin, DeactivableMixin, ModelSQL, ModelView):
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
    _rating_field = 'office'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))


class DutyBearer(RatedMixin, DeactivableMixin, ModelSQL, ModelView):
    __name__ = 'shakti.duty_bearer'
    __string__ = "Duty Bearer"
    name = fields.Char("Name", required=True)
    post = fields.Selection(
        POSTS, "Post", required=True, sort=False,
        help="The post held, used to compare ratings across offices.")
    post_string = post.translated('post')
    designation = fields.Char(
        "Designation",
        help="The exact title when the post does not say it, for example "
        "Joint BDO (Revenue).")
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
    _rating_field = 'duty_bearer'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))

    @classmethod
    def __register__(cls, module):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()

        super().__register__(module)
        # The post is new: duty bearers recorded before it are "other" until
        # someone chooses their post.
        cursor.execute(*table.update(
                [table.post], ['other'], where=table.post == Null))

    def get_rec_name(self, name):
        return '%s (%s, %s)' % (
            self.name, self.designation or self.post_string,
            self.office.rec_name)

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
