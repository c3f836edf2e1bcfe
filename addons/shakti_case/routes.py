# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Routes of the survivor pages, small HTML pages for phones.

On these pages a survivor follows her applications, hearings and plan
actions. She records her visits to offices with a rating of the official
met, and updates the parts of her intake that her case worker opened.

The pages run as the root user. So every record taken from the URL or a
form goes through ``Page.own_record``, which searches it among the records
of the session's survivor and aborts with 404 when it is not found."""
import datetime as dt
import functools
import hashlib
import hmac
import logging
import os
import re
import secrets
from urllib.parse import urlencode

from genshi.template import TemplateLoader
from trytond.config import config
from trytond.exceptions import RateLimitException
from trytond.i18n import gettext
from trytond.protocols.wrappers import (
    HTTPStatus, Response, abort, redirect, with_pool, with_transaction)
from trytond.transaction import Transaction
from trytond.wsgi import app
from werkzeug.exceptions import HTTPException

from .application import PENDING_STATES
from .plan import OPEN_STATUSES
from .rating import ANCHORS, ASPECTS, MAX_SCORE, MIN_SCORE
from .survivor_account import (
    SURVIVOR_LANGUAGE_CODES, SURVIVOR_LANGUAGES, _attempt_minutes)

COOKIE = 'shakti_survivor'
# The cookie of the forms shown before she logs in: their CSRF token is
# derived from it.
PRE_COOKIE = 'shakti_survivor_pre'
LANGUAGE_COOKIE = 'shakti_survivor_lang'
DEFAULT_LANGUAGE = 'en_IN'
DIRECTORY = os.path.join(os.path.dirname(__file__), 'survivor')
STATIC_FILES = {
    'survivor.css': 'text/css; charset=utf-8',
    'survivor.js': 'text/javascript; charset=utf-8',
    }
CLIENT_KEY = re.compile(r'[0-9a-f]{32}')
# The largest id of a record: ids are 32-bit integers in PostgreSQL.
MAX_ID = 2 ** 31 - 1
# The most characters of what she writes in a note or a need description.
MAX_TEXT = 2000
# The path from each model the pages read to the survivor who owns it.
SURVIVOR_PATHS = {
    'shakti.survivor': 'id',
    'shakti.application': 'survivor',
    'shakti.application.follow_up': 'application.survivor',
    'shakti.legal_case': 'survivor',
    'shakti.legal_case.hearing': 'legal_case.survivor',
    'shakti.case_plan': 'survivor',
    'shakti.case_plan.action': 'plan.survivor',
    'shakti.intake': 'survivor',
    'shakti.intake.need': 'intake.survivor',
    }
SECURITY_HEADERS = {
    'Content-Security-Policy': (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'"),
    # Chromium sends "Origin: null" with a form whose page has no referrer,
    # and Tryton rejects such a request: keep the origin on her own pages.
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    }
# The paths of the icons shown next to the words, on a 24 by 24 grid.
ICONS = {
    'home': 'M3 11 12 3l9 8h-3v9h-5v-6h-2v6H6v-9z',
    'file': 'M6 2h8l5 5v15H6zM13 3v5h5',
    'visit': (
        'M12 2a7 7 0 0 0-7 7c0 5 7 13 7 13s7-8 7-13a7 7 0 0 0-7-7zm0 4a3 3 '
        '0 1 1 0 6 3 3 0 0 1 0-6z'),
    'court': (
        'M12 2 2 7v2h20V7zM4 10h3v8H4zm6 0h4v8h-4zm7 0h3v8h-3zM2 20h20v2H2z'),
    'task': 'M4 4h16v16H4zm3 8 3 3 7-7',
    'needs': 'M12 21s-8-5-8-11a4 4 0 0 1 8-2 4 4 0 0 1 8 2c0 6-8 11-8 11z',
    'out': 'M10 3H4v18h6M15 7l5 5-5 5M20 12H9',
    'key': 'M8 15a4 4 0 1 1 4-4h9v3h-3v3h-3v-3h-3a4 4 0 0 1-4 1z',
    'star': 'M12 2l3 7h7l-6 4 2 8-6-5-6 5 2-8-6-4h7z',
    'save': 'M5 3h12l3 3v15H5zM8 3v6h8V3M8 14h8v7H8z',
    'back': 'M15 4 7 12l8 8',
    'lang': (
        'M3 5h12M9 3v2M5 5c1 4 4 8 9 10M13 5c-1 4-4 8-9 10M13 21l4-10 4 '
        '10M14.5 17h5'),
    }
# The notices shown after a POST-redirect-GET, by the "done" argument.
NOTICES = {
    'visit': 'msg_survivor_page_visit_saved',
    'intake': 'msg_survivor_page_intake_saved',
    'password': 'msg_survivor_page_password_set',
    'logout': 'msg_survivor_page_logged_out',
    'login': 'msg_survivor_page_login_needed',
    }

# The page texts of the errors that the pages abort with, by status.
ERRORS = {
    HTTPStatus.BAD_REQUEST: 'bad_request',
    HTTPStatus.FORBIDDEN: 'forbidden',
    HTTPStatus.NOT_FOUND: 'not_found',
    }

loader = TemplateLoader(DIRECTORY, auto_reload=False)
logger = logging.getLogger(__name__)


@functools.cache
def static_version(name):
    "Return the version of the static file name, from its content"
    with open(os.path.join(DIRECTORY, name), 'rb') as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def _(name, **variables):
    "Return the page text msg_survivor_page_<name> in the current language"
    return gettext('shakti_case.msg_survivor_page_%s' % name, **variables)


def csrf_token(key):
    "Return the CSRF token of the forms of the session or cookie key"
    return hmac.new(
        key.encode('utf-8'), b'shakti-survivor-csrf',
        hashlib.sha256).hexdigest()


def check_csrf(request, key):
    "Abort with 403 unless the form carries the token of key"
    token = request.form.get('csrf_token', '')
    if not key or not hmac.compare_digest(token, csrf_token(key)):
        logger.info(
            "survivor page %s: CSRF token missing or invalid from %s",
            request.path, request.remote_addr)
        abort(HTTPStatus.FORBIDDEN)


def base_path(database_name):
    return '/%s/survivor/' % database_name


def survivor_route(path, methods=('GET',)):
    """Register path under /<database_name>/survivor/ for the survivor pages,
    with the errors that the pages abort with shown in her language"""
    def decorator(func):
        @functools.wraps(func)
        def wrapper(request, pool, *args, **kwargs):
            try:
                pool.get('web.user.reset_code')
            except KeyError:
                # The routes exist in every database, shakti_case or not.
                abort(HTTPStatus.NOT_FOUND)
            try:
                return func(request, pool, *args, **kwargs)
            except HTTPException as exception:
                if exception.code not in ERRORS:
                    raise
                return error_page(request, pool, exception.code)
        rule = '/<database_name>/survivor/' + path
        return app.route(rule, methods=list(methods))(
            with_pool(with_transaction()(wrapper)))
    return decorator


class Page:
    "The context of one request to the survivor pages"

    def __init__(self, request, pool, account=None, language=None):
        self.request = request
        self.pool = pool
        self.database_name = request.view_args['database_name']
        self.account = account
        self.survivor = account.survivor if account else None
        self.key = request.cookies.get(COOKIE) if account else None
        self.language = language or DEFAULT_LANGUAGE
        self.cookies = []
        self._pre_key = None

    # URLs

    def url(self, path='', **args):
        url = base_path(self.database_name) + path
        args = {k: v for k, v in args.items() if v is not None}
        if args:
            url += '?' + urlencode(args)
        return url

    def static_url(self, name):
        return self.url('static/%s/%s' % (static_version(name), name))

    # Formats

    @functools.cached_property
    def lang(self):
        Lang = self.pool.get('ir.lang')
        return Lang.get(self.language)

    def date(self, value):
        "Return value as day/month/year, or the text for no date"
        if not value:
            return _('none')
        return self.lang.strftime(value)

    def number(self, value):
        return self.lang.format('%d', value, grouping=True)

    def amount(self, value, currency):
        if value is None:
            return _('none')
        return self.lang.currency(value, currency, grouping=True)

    def selection(self, model, field):
        "Return the translated labels of the selection field of model"
        Model = self.pool.get(model)
        return dict(Model.fields_get([field])[field]['selection'])

    def field_string(self, model, field):
        Model = self.pool.get(model)
        return Model.fields_get([field])[field]['string']

    # CSRF

    @property
    def csrf(self):
        "The CSRF token of the page's forms"
        if self.key:
            return csrf_token(self.key)
        return csrf_token(self.pre_key)

    @property
    def pre_key(self):
        "The key of the forms shown before she logs in, set in a cookie"
        if self._pre_key is None:
            self._pre_key = self.request.cookies.get(PRE_COOKIE) or ''
            if not re.fullmatch(r'[0-9a-f]{64}', self._pre_key):
                self._pre_key = secrets.token_hex(32)
                self.cookies.append((PRE_COOKIE, self._pre_key, {}))
        return self._pre_key

    # Responses

    def cookie_options(self):
        return {
            'path': base_path(self.database_name),
            'httponly': True,
            'secure': self.request.is_secure,
            'samesite': 'Lax',
            }

    def _finish(self, response, personal=True):
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        if personal:
            response.headers['Cache-Control'] = 'no-store'
        for name, value, options in self.cookies:
            options = {**self.cookie_options(), **options}
            if value is None:
                response.delete_cookie(
                    name, path=options['path'], secure=options['secure'],
                    httponly=True, samesite='Lax')
            else:
                response.set_cookie(name, value, **options)
        return response

    def render(self, template, status=HTTPStatus.OK, **values):
        "Return the response of the template rendered with values"
        languages = [
            (c, n) for c, n in SURVIVOR_LANGUAGES
            if c in SURVIVOR_LANGUAGE_CODES]
        values.setdefault('errors', [])
        values.setdefault('notice', None)
        values.setdefault('out', False)
        values.update({
                '_': _,
                'page': self,
                'languages': languages,
                'html_lang': self.language.replace('_', '-'),
                'anchors': ANCHORS,
                'icons': ICONS,
                'value': getattr,
                'scores': range(MIN_SCORE, MAX_SCORE + 1),
                })
        tmpl = loader.load(template)
        html = tmpl.generate(**values).render('html', doctype='html5')
        response = Response(
            html, status=status, content_type='text/html; charset=utf-8')
        return self._finish(response)

    def redirect(self, path='', **args):
        "Return a redirect to the page of path, after a POST"
        response = redirect(self.url(path, **args), HTTPStatus.SEE_OTHER)
        return self._finish(response)

    def notice(self):
        "Return the notice of the done argument of the request"
        name = NOTICES.get(self.request.args.get('done', ''))
        return gettext('shakti_case.' + name) if name else None

    # Records

    def own_record(self, model, id_, domain=None):
        """Return the record of model with id_ if it belongs to her survivor
        record and matches domain, and abort with 404 otherwise.

        A missing record and another survivor's record both abort with 404,
        so the response does not reveal which ids exist."""
        Model = self.pool.get(model)
        try:
            id_ = int(id_)
        except (TypeError, ValueError):
            abort(HTTPStatus.NOT_FOUND)
        if not self.survivor or not (0 < id_ <= MAX_ID):
            abort(HTTPStatus.NOT_FOUND)
        records = Model.search([
                ('id', '=', id_),
                (SURVIVOR_PATHS[model], '=', self.survivor.id),
                ] + list(domain or []), limit=1)
        if not records:
            logger.info(
                "survivor page %s: %s %s not found for web user %s",
                self.request.path, model, id_, self.account.id)
            abort(HTTPStatus.NOT_FOUND)
        record, = records
        return record


def error_page(request, pool, status):
    """Return the page of the error status, in the language of her session
    or else of the request"""
    WebUser = pool.get('web.user')

    key = request.cookies.get(COOKIE)
    account = WebUser.get_session_account(key) if key else None
    if account:
        language = account.language_code
    else:
        language = request_language(request)
    name = ERRORS[status]
    with Transaction().set_context(language=language):
        page = Page(request, pool, account=account, language=language)
        return page.render(
            'message.html', status,
            title=_('%s_title' % name), text=_(name))


def request_language(request):
    "Return the page language of a request without a session"
    code = request.cookies.get(LANGUAGE_COOKIE)
    if code in SURVIVOR_LANGUAGE_CODES:
        return code
    best = request.accept_languages.best_match(
        [c.replace('_', '-') for c in SURVIVOR_LANGUAGE_CODES])
    return best.replace('-', '_') if best else DEFAULT_LANGUAGE


def with_survivor(func):
    """Decorate a route to run with the Page of her session, in her
    language, and to redirect to the login page without a valid session"""
    @functools.wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        WebUser = pool.get('web.user')
        Session = pool.get('web.user.session')
        transaction = Transaction()

        key = request.cookies.get(COOKIE)
        account = WebUser.get_session_account(key) if key else None
        if not account:
            page = Page(request, pool, language=request_language(request))
            if key:
                page.cookies.append((COOKIE, None, {}))
            return page.redirect('login', done='login')
        if not transaction.readonly:
            # Each form sent keeps the session alive.
            Session.reset(key)
        with transaction.set_context(language=account.language_code):
            page = Page(
                request, pool, account=account,
                language=account.language_code)
            return func(page, *args, **kwargs)
    return wrapper


def anonymous(func):
    "Decorate a route to run with the Page of a request without a session"
    @functools.wraps(func)
    def wrapper(request, pool, *args, **kwargs):
        language = request_language(request)
        with Transaction().set_context(language=language):
            return func(Page(request, pool, language=language),
                *args, **kwargs)
    return wrapper


def parse_date(value):
    "Return the date of value, as year-month-day or day/month/year"
    value = (value or '').strip()
    for format_ in ['%Y-%m-%d', '%d/%m/%Y', '%d-%m-%Y', '%d.%m.%Y']:
        try:
            return dt.datetime.strptime(value, format_).date()
        except ValueError:
            pass
    raise ValueError(value)


# Static files

@app.route(
    '/<database_name>/survivor/static/<version>/<name>', methods=['GET'])
@with_pool
@with_transaction()
def static(request, pool, version, name):
    try:
        pool.get('web.user.reset_code')
    except KeyError:
        abort(HTTPStatus.NOT_FOUND)
    if name not in STATIC_FILES or version != static_version(name):
        abort(HTTPStatus.NOT_FOUND)
    with open(os.path.join(DIRECTORY, name), 'rb') as file:
        data = file.read()
    response = Response(data, content_type=STATIC_FILES[name])
    response.headers['Cache-Control'] = 'public, max-age=31536000, immutable'
    response.headers['X-Content-Type-Options'] = 'nosniff'
    return response


# Logging in and out

@survivor_route('login', methods=['GET', 'POST'])
@anonymous
def login(page):
    pool = page.pool
    WebUser = pool.get('web.user')
    request = page.request

    if request.method == 'GET':
        key = request.cookies.get(COOKIE)
        if key and WebUser.get_session_account(key):
            return page.redirect()
        return page.render(
            'login.html', login='', notice=page.notice(),
            out=request.args.get('done') == 'logout')
    check_csrf(request, request.cookies.get(PRE_COOKIE))
    login = request.form.get('login', '')
    password = request.form.get('password', '')
    if not login.strip() or not password:
        return page.render(
            'login.html', HTTPStatus.BAD_REQUEST, login=login,
            errors=[_('login_required')])
    try:
        account = WebUser.authenticate_login(login, password)
    except RateLimitException:
        return too_many(page)
    if not account:
        return page.render(
            'login.html', HTTPStatus.UNAUTHORIZED, login=login,
            errors=[_('login_failed')])
    page.cookies.append((COOKIE, account.new_session(), {}))
    return page.redirect()


def too_many(page):
    "Return the page for too many attempts, with status 429"
    logger.info(
        "survivor page %s: too many attempts from %s",
        page.request.path, page.request.remote_addr)
    return page.render(
        'message.html', HTTPStatus.TOO_MANY_REQUESTS,
        title=_('too_many_title'),
        text=_('too_many_attempts', minutes=_attempt_minutes()))


@survivor_route('logout', methods=['POST'])
@anonymous
def logout(page):
    pool = page.pool
    WebUser = pool.get('web.user')
    request = page.request

    key = request.cookies.get(COOKIE)
    check_csrf(request, key)
    WebUser.end_session(key)
    page.cookies.append((COOKIE, None, {}))
    return page.redirect('login', done='logout')


@survivor_route('reset', methods=['GET', 'POST'])
@anonymous
def reset(page):
    pool = page.pool
    ResetCode = pool.get('web.user.reset_code')
    request = page.request

    length = config.getint('password', 'length', default=0)
    if request.method == 'GET':
        return page.render(
            'reset.html', login=request.args.get('login', ''),
            length=length)
    check_csrf(request, request.cookies.get(PRE_COOKIE))
    login = request.form.get('login', '')
    code = request.form.get('code', '')
    password = request.form.get('password', '')
    errors = []
    if not login.strip():
        errors.append(_('login_required'))
    if not code.strip():
        errors.append(_('reset_code_required'))
    if password != request.form.get('password_again', ''):
        errors.append(_('password_mismatch'))
    if errors:
        return page.render(
            'reset.html', HTTPStatus.BAD_REQUEST, login=login,
            length=length, errors=errors)
    result = ResetCode.redeem(login, code, password)
    if result.error == 'rate_limit':
        return too_many(page)
    if result.error:
        return page.render(
            'reset.html', HTTPStatus.BAD_REQUEST, login=login,
            length=length, errors=[result.message])
    page.cookies.append((COOKIE, result.session, {}))
    return page.redirect(done='password')


@survivor_route('language', methods=['POST'])
def language(request, pool):
    WebUser = pool.get('web.user')

    code = request.form.get('language', '')
    key = request.cookies.get(COOKIE)
    account = WebUser.get_session_account(key) if key else None
    page = Page(request, pool, account=account)
    if account:
        check_csrf(request, key)
    else:
        check_csrf(request, request.cookies.get(PRE_COOKIE))
    if code not in SURVIVOR_LANGUAGE_CODES:
        logger.info("survivor page language: invalid code %r", code)
        abort(HTTPStatus.BAD_REQUEST)
    if account:
        account.set_language(code)
    page.cookies.append((LANGUAGE_COOKIE, code, {
                'max_age': 365 * 24 * 60 * 60,
                }))
    back = request.form.get('back', '')
    # Return only to a page of hers, never to another site.
    if not re.fullmatch(r'[a-z0-9/_-]*', back) or back.startswith('/'):
        back = ''
    if not account and not back:
        back = 'login'
    return page.redirect(back)


# Her pages

@survivor_route('')
@with_survivor
def home(page):
    pool = page.pool
    Application = pool.get('shakti.application')
    LegalCase = pool.get('shakti.legal_case')
    Action = pool.get('shakti.case_plan.action')
    Date = pool.get('ir.date')

    me = page.survivor.id
    applications = Application.search([
            ('survivor', '=', me),
            ('state', '!=', 'draft'),
            ], order=[('date', 'DESC'), ('id', 'DESC')])
    today = Date.today()
    hearings = [
        c for c in LegalCase.search([('survivor', '=', me)])
        if c.next_hearing and c.next_hearing >= today]
    hearings.sort(key=lambda c: (c.next_hearing, c.id))
    actions = Action.search([
            ('plan.survivor', '=', me),
            ('plan.state', '=', 'active'),
            ('status', 'in', OPEN_STATUSES),
            ], order=[('due_date', 'ASC'), ('id', 'ASC')])
    return page.render(
        'home.html',
        applications=applications,
        pending_states=PENDING_STATES,
        hearings=hearings,
        actions=actions,
        states=page.selection('shakti.application', 'state'),
        stages=page.selection('shakti.legal_case', 'stage'),
        responsible=page.selection('shakti.case_plan.action', 'responsible'),
        statuses=page.selection('shakti.case_plan.action', 'status'),
        notice=page.notice())


@survivor_route('application/<application>')
@with_survivor
def application(page, application):
    application = page.own_record(
        'shakti.application', application, [('state', '!=', 'draft')])
    fields = [
        'number', 'scheme', 'office', 'duty_bearer', 'date', 'reference',
        'submitted_date', 'processing_date', 'approved_date',
        'received_date', 'rejected_date', 'withdrawn_date',
        'amount_approved', 'amount_received']
    strings = {
        f: page.field_string('shakti.application', f) for f in fields}
    visit_strings = {
        f: page.field_string('shakti.application.follow_up', f)
        for f in ['duty_bearer', 'outcome', 'notes', 'next_date']}
    return page.render(
        'application.html',
        application=application,
        follow_ups=application.follow_ups,
        strings=strings,
        visit_strings=visit_strings,
        states=page.selection('shakti.application', 'state'),
        outcomes=page.selection('shakti.application.follow_up', 'outcome'),
        notice=page.notice())


def duty_bearer_groups(page, application):
    """Return (office, duty bearers) pairs of the active offices of her
    block and of the application's office, with their active duty bearers"""
    pool = page.pool
    DutyBearer = pool.get('shakti.duty_bearer')

    domain = [
        ('office.place', 'child_of', [page.survivor.block.id], 'parent'),
        ]
    if application.office:
        domain = ['OR', domain[0], ('office', '=', application.office.id)]
    duty_bearers = DutyBearer.search([
            domain,
            ('office.active', '=', True),
            ], order=[('office.name', 'ASC'), ('name', 'ASC'), ('id', 'ASC')])
    groups = {}
    for duty_bearer in duty_bearers:
        groups.setdefault(duty_bearer.office, []).append(duty_bearer)
    return list(groups.items())


def visit_criteria(page):
    Criterion = page.pool.get('shakti.rating.criterion')
    return Criterion.search([], order=[('sequence', 'ASC'), ('id', 'ASC')])


@survivor_route('application/<application>/visit', methods=['GET', 'POST'])
@with_survivor
def visit(page, application):
    pool = page.pool
    FollowUp = pool.get('shakti.application.follow_up')
    request = page.request

    application = page.own_record(
        'shakti.application', application, [('state', '!=', 'draft')])
    if request.method == 'POST':
        check_csrf(request, page.key)
        client_key = request.form.get('client_key', '')
        if not CLIENT_KEY.fullmatch(client_key):
            logger.info(
                "survivor page visit: invalid client key %r of web user %s",
                client_key, page.account.id)
            abort(HTTPStatus.BAD_REQUEST)
        existing = FollowUp.search([('client_key', '=', client_key)])
        if existing:
            # The form was sent before: twice, or again from the phone's
            # queue.
            page.own_record(
                'shakti.application.follow_up', existing[0].id,
                [('application', '=', application.id)])
            return page.redirect(
                'application/%s' % application.id, done='visit')
        values, errors = check_visit(page, application, request.form)
        if not errors:
            save_visit(page, application, client_key, values)
            return page.redirect(
                'application/%s' % application.id, done='visit')
        form = request.form
        status = HTTPStatus.BAD_REQUEST
    else:
        client_key = secrets.token_hex(16)
        form = {'date': pool.get('ir.date').today().isoformat()}
        errors = []
        status = HTTPStatus.OK
    return page.render(
        'visit.html', status,
        application=application,
        client_key=client_key,
        form=form,
        errors=errors,
        groups=duty_bearer_groups(page, application),
        outcomes=page.selection('shakti.application.follow_up', 'outcome'),
        posts=page.selection('shakti.duty_bearer', 'post'),
        criteria=visit_criteria(page),
        aspects=[
            (a, page.selection('shakti.rating.criterion', 'aspect')[a])
            for a, _s in ASPECTS])


def check_visit(page, application, form):
    """Return the values of the visit form and the list of its errors, each
    naming the application, the field and the value"""
    pool = page.pool
    FollowUp = pool.get('shakti.application.follow_up')
    Date = pool.get('ir.date')

    number = application.rec_name
    errors = []
    values = {}
    today = Date.today()

    def date_field(name, label, required):
        raw = form.get(name, '').strip()
        if not raw:
            if required:
                errors.append(_('date_required', field=label,
                        application=number))
            return None
        try:
            return parse_date(raw)
        except ValueError:
            errors.append(_('date_invalid', field=label, value=raw,
                    application=number))
            return None

    date = date_field('date', _('visit_date'), True)
    if date:
        if date > today:
            errors.append(_('visit_date_future', date=page.date(date),
                    application=number))
        elif date < application.date:
            errors.append(_('visit_date_before', date=page.date(date),
                    application=number,
                    application_date=page.date(application.date)))
        elif FollowUp.search([
                    ('application', '=', application.id),
                    ('date', '=', date),
                    ('recorded_by_survivor', '=', True),
                    ], limit=1):
            errors.append(_('visit_same_day', date=page.date(date),
                    application=number))
    values['date'] = date
    next_date = date_field('next_date', _('next_date'), False)
    if next_date and date and next_date <= date:
        errors.append(_('next_date_before', next_date=page.date(next_date),
                date=page.date(date), application=number))
    if not next_date and date and application.next_follow_up and (
            application.next_follow_up > date):
        # A visit without a next date keeps the one planned before.
        next_date = application.next_follow_up
    values['next_date'] = next_date

    met = form.get('duty_bearer', '').strip()
    duty_bearers = {
        str(d.id): d for _o, ds in duty_bearer_groups(page, application)
        for d in ds}
    values['duty_bearer'] = None
    values['met_other'] = None
    if not met:
        errors.append(_('met_required', application=number))
    elif met == 'other':
        met_other = form.get('met_other', '').strip()
        if not met_other:
            errors.append(_('met_other_required', application=number))
        values['met_other'] = met_other[:200]
    elif met in duty_bearers:
        values['duty_bearer'] = duty_bearers[met]
    else:
        errors.append(_('met_invalid', value=met, application=number))

    outcomes = page.selection('shakti.application.follow_up', 'outcome')
    outcome = form.get('outcome', '')
    if not outcome:
        errors.append(_('outcome_required', application=number))
    elif outcome not in outcomes:
        errors.append(_('outcome_invalid', value=outcome,
                application=number))
    values['outcome'] = outcome
    values['notes'] = check_text(
        form.get('notes', ''), _('notes'), errors) or None

    # Each aspect is rated on all its criteria or not at all.
    aspects = page.selection('shakti.rating.criterion', 'aspect')
    scores = {}
    by_aspect = {}
    for criterion in visit_criteria(page):
        by_aspect.setdefault(criterion.aspect, []).append(criterion)
    for aspect, criteria in by_aspect.items():
        scored = {}
        for criterion in criteria:
            raw = form.get('score_%s' % criterion.id, '').strip()
            if not raw:
                continue
            try:
                score = int(raw)
            except ValueError:
                score = None
            if score is None or not (MIN_SCORE <= score <= MAX_SCORE):
                errors.append(_('score_invalid', value=raw,
                        criterion=criterion.name, application=number,
                        minimum=MIN_SCORE, maximum=MAX_SCORE))
                continue
            scored[criterion] = score
        if scored:
            for criterion in criteria:
                if (criterion not in scored
                        and form.get('score_%s' % criterion.id, '').strip()
                        == ''):
                    errors.append(_('score_missing',
                            criterion=criterion.name,
                            aspect=aspects[aspect], application=number))
        scores.update(scored)
    if scores and met == 'other':
        errors.append(_('rating_other', application=number))
    values['scores'] = scores
    return values, errors


def check_text(value, label, errors):
    """Return value without surrounding spaces, and add an error to errors
    when it is longer than MAX_TEXT characters"""
    value = value.strip()
    if len(value) > MAX_TEXT:
        errors.append(_('text_too_long', field=label, length=len(value),
                maximum=MAX_TEXT))
    return value


def save_visit(page, application, client_key, values):
    "Create the follow-up of the visit, and its rating if scores are given"
    pool = page.pool
    FollowUp = pool.get('shakti.application.follow_up')
    Rating = pool.get('shakti.rating')

    duty_bearer = values['duty_bearer']
    # NOTE: two sends of one form at the same moment both pass the search
    # for its client key, and the Unique constraint fails the second with a
    # 500. The phone's queue keeps a form on a 5xx status, and its next send
    # finds the visit.
    follow_up, = FollowUp.create([{
                'application': application.id,
                'date': values['date'],
                'with_survivor': True,
                'duty_bearer': duty_bearer.id if duty_bearer else None,
                'met_other': values['met_other'],
                'outcome': values['outcome'],
                'notes': values['notes'],
                'next_date': values['next_date'],
                'web_user': page.account.id,
                'recorded_by_survivor': True,
                'client_key': client_key,
                }])
    if values['scores'] and duty_bearer:
        Rating.create([{
                    'follow_up': follow_up.id,
                    'duty_bearer': duty_bearer.id,
                    'date': values['date'],
                    'rated_by': 'survivor',
                    'lines': [('create', [{
                                    'criterion': c.id,
                                    'score': s,
                                    } for c, s in sorted(
                                    values['scores'].items(),
                                    key=lambda i: i[0].id)])],
                    }])
    return follow_up


@survivor_route('intake', methods=['GET', 'POST'])
@with_survivor
def intake(page):
    pool = page.pool
    Intake = pool.get('shakti.intake')
    request = page.request

    intakes = Intake.search([
            ('survivor', '=', page.survivor.id),
            ], order=[('date', 'DESC'), ('id', 'DESC')], limit=1)
    latest = intakes[0] if intakes else None
    opened = list(latest.survivor_domains or []) if latest else []
    domains = page.selection('shakti.intake.need', 'domain')
    priorities = page.selection('shakti.intake.need', 'priority')
    needs = {n.domain: n for n in latest.needs} if latest else {}
    errors = []
    form = None
    status = HTTPStatus.OK
    if request.method == 'POST':
        check_csrf(request, page.key)
        sent = page.own_record('shakti.intake', request.form.get('intake'))
        if not opened:
            abort(HTTPStatus.NOT_FOUND)
        form = request.form
        if sent != latest:
            errors.append(_('intake_changed'))
        values = {}
        for domain in opened:
            priority = form.get('priority_%s' % domain, '')
            if priority not in priorities:
                errors.append(_('priority_invalid', value=priority,
                        domain=domains[domain]))
            description = check_text(
                form.get('description_%s' % domain, ''), domains[domain],
                errors)
            values[domain] = {
                'priority': priority,
                'description': description or None,
                }
        if not errors:
            save_intake(page, latest, opened, values)
            return page.redirect('intake', done='intake')
        status = HTTPStatus.BAD_REQUEST
    return page.render(
        'intake.html', status,
        intake=latest,
        opened=opened,
        needs=needs,
        form=form,
        errors=errors,
        domains=domains,
        priorities=priorities,
        notice=page.notice())


def save_intake(page, latest, opened, values):
    """Save her needs of the opened domains in a new version of the intake
    filled by her, or in today's version that she filled"""
    pool = page.pool
    Intake = pool.get('shakti.intake')
    Need = pool.get('shakti.intake.need')
    Date = pool.get('ir.date')

    today = Date.today()
    if latest.filled_by == 'survivor' and latest.date == today:
        needs = {n.domain: n for n in latest.needs}
        to_write = []
        to_create = []
        for domain in opened:
            if domain in needs:
                to_write.extend(([needs[domain]], values[domain]))
            else:
                to_create.append({
                        'intake': latest.id, 'domain': domain,
                        **values[domain]})
        if to_write:
            Need.write(*to_write)
        if to_create:
            Need.create(to_create)
        return latest
    needs = []
    for need in latest.needs:
        if need.domain in opened:
            continue
        needs.append({
                'domain': need.domain,
                'priority': need.priority,
                'description': need.description,
                })
    for domain in opened:
        needs.append({'domain': domain, **values[domain]})
    intake, = Intake.create([{
                'survivor': page.survivor.id,
                'date': today,
                'filled_by': 'survivor',
                'paper_form': False,
                'interviewer': None,
                'survivor_domains': list(latest.survivor_domains),
                'needs': [('create', needs)],
                }])
    return intake
