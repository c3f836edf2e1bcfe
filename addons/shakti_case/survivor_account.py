# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Survivor accounts for the survivor pages, and their one-time reset codes.

A survivor logs in to her pages with a ``web.user`` linked to her survivor
record, by its login and password. She gets her first password, and every
new one, with a reset code that a case worker or survivor leader of her
organisation issues and gives her in person or by phone: no email is
needed. The pages call:

* ``web.user.authenticate_login(login, password)`` to log in;
* ``web.user.reset_code.redeem(login, code, password)`` to set a password;
* ``web_user.new_session()`` to open a session, and
  ``web.user.get_session_account(key)``,
  ``web.user.get_session_survivor(key)`` and
  ``web.user.end_session(key)`` to use and end it."""
import datetime as dt
import functools
import math
import re
import secrets
import time
import types
from collections import namedtuple

from sql import Literal, Null
from sql.operators import Equal
from trytond.config import config
from trytond.exceptions import RateLimitException
from trytond.i18n import gettext
from trytond.model import Exclude, Index, ModelSQL, ModelView, fields
from trytond.model.modelview import AccessButtonError
from trytond.modules.shakti_base.model import (
    ChangeAccessMixin, check_rule_read)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.res.exceptions import PasswordError
from trytond.res.user import PASSWORD_HASH
from trytond.transaction import Transaction, check_access, without_check_access
from trytond.wizard import Button, StateView, Wizard

from .exceptions import ResetCodeError, SurvivorAccountError

# The languages of the survivor pages, each with its name in its own
# script for the language switch.
SURVIVOR_LANGUAGES = [
    ('bn', "বাংলা"),
    ('te', "తెలుగు"),
    ('hi', "हिन्दी"),
    ('en_IN', "English"),
    ]
SURVIVOR_LANGUAGE_CODES = [c for c, _ in SURVIVOR_LANGUAGES]
# Logins contain neither "@", which emails contain, nor ":", which the reset
# attempts' key contains, so the attempt counts of each stay apart.
LOGIN_PATTERN = re.compile(r'[a-z0-9._-]+')
# Reset codes leave out the characters read alike: 0 and O, 1, I and L.
CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
CODE_LENGTH = 8
RESET_CODES_PER_HOUR = 3

RedeemResult = namedtuple('RedeemResult', ['session', 'error', 'message'])
RedeemResult.__doc__ = """The result of redeeming a reset code.

``session`` is the key of the new session, or None on error. ``error`` is
None on success, else ``'rate_limit'`` (too many attempts: respond with 429),
``'invalid_code'`` (unknown login, wrong, used or expired code) or
``'invalid_password'`` (the new password is rejected: the code stays
valid). ``message`` is the error's text in the transaction language."""


@functools.cache
def dummy_hash():
    "Return the hash of a random password, verified for unknown logins"
    return PASSWORD_HASH.hash(secrets.token_hex(16))


def normalise_login(login):
    "Return login as stored: without surrounding spaces, in lower case"
    return (login or '').strip().lower()


def normalise_code(code):
    "Return code as generated: in capitals, without spaces nor hyphens"
    return re.sub(r'[\s-]', '', code or '').upper()


def format_code(code):
    "Return code in two groups of four characters, to read out"
    return '%s-%s' % (code[:4], code[4:])


def _slow_down(key):
    """Raise RateLimitException if key or the client's network made too many
    failed attempts, otherwise slow the response down by the failures of key.

    The delay doubles with each failure (0, 1, 3, 7 seconds...) and runs
    once the transaction has ended, as in web_user's authenticate."""
    pool = Pool()
    Attempt = pool.get('web.user.authenticate.attempt')

    if Attempt.count_ip() > config.getint(
            'session', 'max_attempt_ip_network', default=300):
        # Do not add an attempt: the limit stops a flood.
        raise RateLimitException()
    count = Attempt.count(key)
    if count > config.getint('session', 'max_attempt', default=5):
        Attempt.add(key)
        raise RateLimitException()
    Transaction().atexit(time.sleep, 2 ** count - 1)


def _attempt_minutes():
    "Return the minutes during which a failed attempt counts"
    return math.ceil(config.getint('session', 'timeout') / 60)


class WebUser(ChangeAccessMixin, metaclass=PoolMeta):
    __name__ = 'web.user'

    survivor = fields.Many2One(
        'shakti.survivor', "Survivor", ondelete='CASCADE',
        help="The survivor who logs in to her pages with this account.")
    login = fields.Char(
        "Login",
        states={
            'required': Bool(Eval('survivor')),
            },
        help="The name she logs in with, in lower-case letters, digits, "
        "dots, hyphens and underscores. Never her name nor her phone "
        "number: her case code, for example.")
    language = fields.Many2One(
        'ir.lang', "Language", ondelete='RESTRICT',
        domain=[('code', 'in', SURVIVOR_LANGUAGE_CODES)],
        states={
            'required': Bool(Eval('survivor')),
            },
        help="The language of her pages, which she can switch.")
    company = fields.Function(
        fields.Many2One('company.company', "Organisation"),
        'get_company', searcher='search_company')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('login_exclude',
                Exclude(t, (t.login, Equal),
                    where=t.active == Literal(True)),
                'shakti_case.msg_web_user_login_unique'),
            ('survivor_exclude',
                Exclude(t, (t.survivor, Equal),
                    where=t.active == Literal(True)),
                'shakti_case.msg_web_user_survivor_unique'),
            ]
        cls._sql_indexes.add(
            Index(t, (t.survivor, Index.Range()), where=t.survivor != Null))
        # A survivor account has no email: she logs in by login.
        cls.email.states = dict(cls.email.states)
        cls.email.states['required'] = (
            Eval('active', True) & ~Bool(Eval('survivor')))
        # Parties keep values per company, read from the context.
        for field in [cls.party, cls.secondary_parties]:
            field.context = dict(
                field.context or {}, company=Eval('company', -1))
        for name in ['validate_email', 'reset_password']:
            button = dict(cls._buttons[name])
            button['invisible'] = Bool(Eval('survivor'))
            button['depends'] = list(button.get('depends', [])) + [
                'survivor']
            cls._buttons[name] = button

    def get_rec_name(self, name):
        return self.login or self.email or ''

    @classmethod
    def search_rec_name(cls, name, clause):
        _, operator, operand, *extra = clause
        if operator.startswith('!') or operator.startswith('not '):
            bool_op = 'AND'
        else:
            bool_op = 'OR'
        return [bool_op,
            ('login', operator, operand, *extra),
            ('email', operator, operand, *extra),
            ]

    @classmethod
    def get_company(cls, users, name):
        return {
            u.id: u.survivor.company.id if u.survivor else None
            for u in users}

    @classmethod
    def search_company(cls, name, clause):
        nested = clause[0][len(name):]
        return [('survivor.company' + nested, *clause[1:])]

    @property
    def language_code(self):
        "The code of the language of her pages"
        return self.language.code if self.language else 'en_IN'

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('login'):
            values['login'] = normalise_login(values['login'])
        return values

    @classmethod
    def validate_fields(cls, users, field_names):
        super().validate_fields(users, field_names)
        cls.check_login(users, field_names)

    @classmethod
    def check_login(cls, users, field_names=None):
        if field_names and 'login' not in field_names:
            return
        for user in users:
            if user.login and not LOGIN_PATTERN.fullmatch(user.login):
                raise SurvivorAccountError(gettext(
                        'shakti_case.msg_web_user_login_invalid',
                        user=user.rec_name,
                        login=user.login))

    @classmethod
    def _before_create(cls, vlist):
        transaction = Transaction()
        if transaction.user and transaction.check_access:
            cls.check_survivor_access(vlist)
        return super()._before_create(vlist)

    @classmethod
    def check_modification(cls, mode, users, values=None, external=False):
        super().check_modification(
            mode, users, values=values, external=external)
        if external and mode == 'write' and values:
            cls.check_survivor_access([values])

    @classmethod
    def check_survivor_access(cls, vlist):
        """Raise AccessError unless the user may read the survivors that
        the values link to.

        The check comes before the database's constraints, whose messages
        would tell that another organisation's survivor has an account."""
        pool = Pool()
        Rule = pool.get('ir.rule')

        ids = set()
        for values in vlist:
            survivor = values.get('survivor')
            if survivor is not None and survivor is not False:
                ids.add(int(survivor))
        if ids:
            with check_access():
                Rule.check('shakti.survivor', sorted(ids))

    @classmethod
    def copy(cls, users, default=None):
        # Tryton copies the values it reads without the record rules.
        check_rule_read(cls, users)
        return super().copy(users, default=default)

    @classmethod
    def on_modification(cls, mode, users, field_names=None):
        pool = Pool()
        Session = pool.get('web.user.session')
        ResetCode = pool.get('web.user.reset_code')

        super().on_modification(mode, users, field_names=field_names)
        if mode == 'write' and 'active' in field_names:
            # A deactivated account logs out and its codes stop working.
            inactive = [u.id for u in users if not u.active]
            if inactive:
                with without_check_access():
                    Session.delete(Session.search([
                                ('user', 'in', inactive),
                                ]))
                    ResetCode.delete(ResetCode.search([
                                ('web_user', 'in', inactive),
                                ('used', '=', None),
                                ]))

    @classmethod
    def authenticate_login(cls, login, password):
        """Return the active survivor account of login if password is its
        password, and None otherwise.

        Raise RateLimitException when the login or the client's network
        made too many failed attempts: the caller responds with 429 and
        commits, so that the attempt is kept. Each failure slows the next
        attempts of the login down. An unknown login takes as long as a wrong
        password."""
        pool = Pool()
        Attempt = pool.get('web.user.authenticate.attempt')

        login = normalise_login(login)
        password = password or ''
        _slow_down(login)

        with without_check_access():
            users = cls.search([
                    ('login', '=', login),
                    ('survivor', '!=', None),
                    ], limit=1)
        if users:
            user, = users
            valid, new_hash = cls.check_password(
                password, user.password_hash or dummy_hash())
            if valid and user.password_hash:
                if new_hash:
                    with Transaction().new_transaction(), \
                            without_check_access():
                        cls.write([cls(user.id)], {
                                'password_hash': new_hash,
                                })
                Attempt.remove(login)
                return user
        else:
            PASSWORD_HASH.verify(password, dummy_hash())
        Attempt.add(login)
        return None

    @classmethod
    def get_session_account(cls, key):
        """Return the active survivor account of the session key, or None
        if the key is unknown or its session expired.

        In a writable transaction an expired session is deleted."""
        pool = Pool()
        Session = pool.get('web.user.session')

        if not key:
            return None
        user = Session.get_user(key)
        if user and user.active and user.survivor:
            return user
        return None

    @classmethod
    def get_session_survivor(cls, key):
        "Return the survivor of the session key, or None"
        user = cls.get_session_account(key)
        return user.survivor if user else None

    @classmethod
    def end_session(cls, key):
        "Delete the session of key: log out"
        pool = Pool()
        Session = pool.get('web.user.session')

        if key:
            Session.remove(key)

    @classmethod
    def survivor_languages(cls):
        "Return the languages of the survivor pages, in the switch's order"
        pool = Pool()
        Lang = pool.get('ir.lang')

        languages = {
            lang.code: lang for lang in Lang.search([
                    ('code', 'in', SURVIVOR_LANGUAGE_CODES),
                    ])}
        return [languages[c] for c in SURVIVOR_LANGUAGE_CODES
            if c in languages]

    def set_language(self, code):
        """Set the language of her pages to the language of code.

        Return whether it was set: False for a code that is not one of
        SURVIVOR_LANGUAGE_CODES."""
        languages = {lang.code: lang for lang in self.survivor_languages()}
        if code not in languages:
            return False
        with without_check_access():
            self.write([self], {'language': languages[code].id})
        return True


class ResetCode(ModelSQL):
    __name__ = 'web.user.reset_code'
    __string__ = "Web User Reset Code"

    web_user = fields.Many2One(
        'web.user', "Web User", required=True, ondelete='CASCADE')
    code_hash = fields.Char("Code Hash", required=True, strip=False)
    expire = fields.Timestamp("Expire", required=True)
    used = fields.Timestamp("Used")
    issued_by = fields.Many2One(
        'res.user', "Issued By", ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        # Only the code of this module reads and writes the codes.
        cls.__rpc__ = {}
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.web_user, Index.Range())))

    @classmethod
    def timeout(cls):
        "Return how long a new code stays valid"
        return dt.timedelta(seconds=config.getint(
                'session', 'survivor_reset_timeout', default=15 * 60))

    @classmethod
    def issue(cls, web_user):
        """Issue a reset code for the survivor account web_user.

        Return the code, as two groups of four characters, and the time
        until which it is valid. Only the code's hash is stored, so the
        code can be shown once only. The older codes of the account stop
        working. Raise ResetCodeError when the account is inactive or
        RESET_CODES_PER_HOUR codes were issued for it in the last hour."""
        cursor = Transaction().connection.cursor()
        table = cls.__table__()

        if not web_user.active or not web_user.survivor:
            raise ResetCodeError(gettext(
                    'shakti_case.msg_reset_code_inactive',
                    user=web_user.rec_name))
        now = dt.datetime.now()
        hour = dt.timedelta(hours=1)
        # A code expired for an hour was created more than an hour ago, so
        # it counts for no limit.
        cursor.execute(*table.delete(where=table.expire < now - hour))
        with without_check_access():
            recent = cls.search([
                    ('web_user', '=', web_user.id),
                    ('create_date', '>=', now - hour),
                    ], order=[('create_date', 'ASC'), ('id', 'ASC')])
            if len(recent) >= RESET_CODES_PER_HOUR:
                wait = recent[0].create_date + hour - now
                raise ResetCodeError(gettext(
                        'shakti_case.msg_reset_code_limit',
                        user=web_user.rec_name,
                        count=len(recent),
                        minutes=max(math.ceil(wait.total_seconds() / 60), 1)))
            # The older codes stay, expired, so that the limit counts them.
            cls.write(cls.search([
                        ('web_user', '=', web_user.id),
                        ('used', '=', None),
                        ('expire', '>', now),
                        ]), {
                    'expire': now,
                    })
            code = ''.join(
                secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            expire = now + cls.timeout()
            cls.create([{
                        'web_user': web_user.id,
                        'code_hash': PASSWORD_HASH.hash(code),
                        'expire': expire,
                        'issued_by': Transaction().user or None,
                        }])
        return format_code(code), expire

    @classmethod
    def redeem(cls, login, code, password):
        """Set the password of the survivor account of login with a reset
        code, and open a session.

        Return a RedeemResult. On success the code is marked used, the
        account's other codes and all its sessions are deleted, its failed
        attempts are cleared and the result contains the key of a new session.
        Errors are returned, not raised, so that the caller commits the
        failed attempt that each wrong code adds; attempts are counted
        under ``reset:<login>``, with the slow-down and limits of
        authenticate_login. The password is checked, by
        res.user.validate_password, before the code: a rejected password
        neither uses the code nor counts as a failed attempt."""
        pool = Pool()
        WebUser = pool.get('web.user')
        Session = pool.get('web.user.session')
        Attempt = pool.get('web.user.authenticate.attempt')
        User = pool.get('res.user')

        login = normalise_login(login)
        code = normalise_code(code)
        password = password or ''
        key = 'reset:%s' % login
        try:
            _slow_down(key)
        except RateLimitException:
            return RedeemResult(None, 'rate_limit', gettext(
                    'shakti_case.msg_survivor_page_too_many_attempts',
                    minutes=_attempt_minutes()))

        with without_check_access():
            users = WebUser.search([
                    ('login', '=', login),
                    ('survivor', '!=', None),
                    ], limit=1)
            user = users[0] if users else None
            try:
                # An unknown login gets the same checks.
                User.validate_password(
                    password, [user or types.SimpleNamespace(login=login)])
            except PasswordError:
                return RedeemResult(
                    None, 'invalid_password', cls._password_message(password))

            now = dt.datetime.now()
            codes = []
            if user:
                codes = cls.search([
                        ('web_user', '=', user.id),
                        ('used', '=', None),
                        ('expire', '>', now),
                        ])
            found = None
            for record in codes:
                if PASSWORD_HASH.verify(code, record.code_hash):
                    found = record
            if not codes:
                PASSWORD_HASH.verify(code, dummy_hash())
            if not found:
                Attempt.add(key)
                return RedeemResult(None, 'invalid_code', gettext(
                        'shakti_case.msg_survivor_page_reset_code_invalid'))

            # Another transaction redeeming the same code waits or fails.
            cls.lock([found])
            cls.write([found], {'used': now})
            cls.delete(cls.search([
                        ('web_user', '=', user.id),
                        ('id', '!=', found.id),
                        ]))
            WebUser.write([user], {
                    'password_hash': WebUser.hash_password(password),
                    })
            Session.delete(Session.search([('user', '=', user.id)]))
            Attempt.remove(key)
            Attempt.remove(login)
            session = user.new_session()
        return RedeemResult(session, None, None)

    @classmethod
    def _password_message(cls, password):
        "Return the message for a rejected password"
        length = config.getint('password', 'length', default=0)
        if len(password.encode('utf-8')) < length:
            return gettext(
                'shakti_case.msg_survivor_page_password_length',
                length=length)
        return gettext('shakti_case.msg_survivor_page_password_invalid')


class Survivor(metaclass=PoolMeta):
    __name__ = 'shakti.survivor'

    web_users = fields.One2Many(
        'web.user', 'survivor', "Web Accounts",
        help="The account she logs in to her pages with.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'issue_reset_code': {},
                })

    @classmethod
    def copy(cls, survivors, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('web_users', None)
        return super().copy(survivors, default=default)

    @classmethod
    @ModelView.button_action('shakti_case.wizard_survivor_reset_code')
    def issue_reset_code(cls, survivors):
        pass


class IssueResetCode(Wizard):
    __name__ = 'shakti.survivor.reset_code'
    start = StateView(
        'shakti.survivor.reset_code.show',
        'shakti_case.survivor_reset_code_show_view_form', [
            Button("Close", 'end', 'tryton-close', default=True),
            ])

    def default_start(self, fields):
        pool = Pool()
        Button = pool.get('ir.model.button')
        User = pool.get('res.user')
        WebUser = pool.get('web.user')
        ResetCode = pool.get('web.user.reset_code')

        survivor = self.record
        transaction = Transaction()
        if transaction.user:
            # The groups of the button may issue codes, which the wizard
            # does not check when it is called without the button.
            groups = Button.get_groups(
                survivor.__name__, 'issue_reset_code')
            if groups and not groups & set(User.get_groups()):
                raise AccessButtonError(gettext(
                        'ir.msg_access_button_error',
                        button='issue_reset_code',
                        model=survivor.__name__))
            # The record rules limit her to her organisations' survivors.
            with check_access():
                survivor.__class__.read([survivor.id], ['code'])
        users = WebUser.search([('survivor', '=', survivor.id)], limit=1)
        if not users:
            raise ResetCodeError(gettext(
                    'shakti_case.msg_reset_code_no_account',
                    survivor=survivor.rec_name))
        user, = users
        code, expire = ResetCode.issue(user)
        return {
            'login': user.login,
            'code': code,
            'expire': expire,
            }


class ResetCodeShow(ModelView):
    __name__ = 'shakti.survivor.reset_code.show'
    __string__ = "Survivor Reset Code"

    login = fields.Char("Login", readonly=True)
    code = fields.Char(
        "Reset Code", readonly=True,
        help="Give her the code in person or by phone: it is shown only "
        "once. She enters it with her login and a new password on her "
        "pages.")
    expire = fields.DateTime("Valid Until", readonly=True)
