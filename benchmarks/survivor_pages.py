# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Measure the weight of each survivor page with its style sheet and script.

Run with the project's environment, on an in-memory SQLite database:

    .venv/bin/python -m benchmarks.survivor_pages

It logs a survivor in through the routes, gets each page in Bengali and
prints the bytes of its HTML plus the CSS and JavaScript it loads, raw and
gzipped.
The exit status is 1 when a page weighs 100 KB or more, raw."""
import datetime as dt
import gzip
import os
import re
import sys

os.environ.setdefault('TRYTOND_DATABASE__URI', 'sqlite://')
os.environ.setdefault('DB_NAME', ':memory:')

from trytond.pool import Pool  # noqa: E402
from trytond.protocols.wrappers import Response  # noqa: E402
from trytond.tests.test_tryton import (  # noqa: E402
    DB_NAME, Client, activate_module)
from trytond.transaction import Transaction, TransactionError  # noqa: E402
from trytond.wsgi import app  # noqa: E402

LIMIT = 100 * 1024
PASSWORD = 'benchmark-pages-2026'
BASE = '/%s/survivor/' % DB_NAME
# A survivor with many applications and visits, so that the sizes are an
# estimate from above for a typical survivor.
APPLICATIONS = 12
FOLLOW_UPS = 8


def create_survivor(today):
    """Create a survivor with an account, applications with visits, an
    office of her block with duty bearers and an intake opened to her"""
    pool = Pool()
    Company = pool.get('company.company')
    Party = pool.get('party.party')
    Currency = pool.get('currency.currency')
    Place = pool.get('shakti.place')
    Scheme = pool.get('shakti.scheme')
    Survivor = pool.get('shakti.survivor')
    Intake = pool.get('shakti.intake')
    Application = pool.get('shakti.application')
    FollowUp = pool.get('shakti.application.follow_up')
    Office = pool.get('shakti.office')
    DutyBearer = pool.get('shakti.duty_bearer')
    WebUser = pool.get('web.user')
    Lang = pool.get('ir.lang')

    inr, = Currency.search([('code', '=', 'INR')])
    party = Party(name="Benchmark CBO")
    party.save()
    company = Company(party=party, currency=inr, organisation_type='cbo')
    company.save()
    block, = Place.search([('code', '=', 'WB-N24P-BASIRHAT-I')])
    survivor, = Survivor.create([{
                'company': company.id,
                'name': "Benchmark Person",
                'block': block.id,
                'registration_date': today - dt.timedelta(days=500),
                }])
    bengali, = Lang.search([('code', '=', 'bn')])
    # Her pages are in Bengali, whose letters take three bytes each.
    Lang.write([bengali], {'translatable': True})
    Lang.load_translations([bengali])
    account, = WebUser.create([{
                'survivor': survivor.id,
                'login': 'sv-benchmark',
                'language': bengali.id,
                }])
    WebUser.write([account], {
            'password_hash': WebUser.hash_password(PASSWORD),
            })
    for i in range(3):
        office, = Office.create([{
                    'name': "Benchmark Office %s" % i,
                    'type': 'bdo',
                    'place': block.id,
                    }])
        DutyBearer.create([{
                    'name': "Benchmark Official %s-%s" % (i, j),
                    'post': 'bdo',
                    'office': office.id,
                    } for j in range(5)])
    schemes = Scheme.search([], limit=APPLICATIONS)
    applications = Application.create([{
                'survivor': survivor.id,
                'scheme': s.id,
                'date': today - dt.timedelta(days=400),
                } for s in schemes])
    Application.submit(applications)
    FollowUp.create([{
                'application': a.id,
                'date': today - dt.timedelta(days=300 - 30 * i),
                'outcome': 'promised',
                'notes': "The official asked for the ration card " * 3,
                'next_date': today + dt.timedelta(days=10),
                } for a in applications for i in range(FOLLOW_UPS)])
    Intake.create([{
                'survivor': survivor.id,
                'date': today - dt.timedelta(days=100),
                'filled_by': 'social_worker',
                'survivor_domains': ['livelihood', 'housing', 'education'],
                }])
    return applications[0].id


def setup():
    "Create the data in a committed transaction, locking what it must"
    extras = {}
    while True:
        with Transaction().start(DB_NAME, 0, **extras) as transaction:
            try:
                return create_survivor(dt.date.today())
            except TransactionError as error:
                transaction.rollback()
                error.fix(extras)


def weigh(client, path):
    """Return the sizes in bytes of the page at path with the CSS and JS it
    loads: total raw, total gzipped, HTML raw and CSS plus JS raw"""
    response = client.get(BASE + path, headers={'Accept-Language': 'bn-IN'})
    if response.status_code != 200:
        raise RuntimeError(
            "GET %s returned status %s" % (path, response.status_code))
    html = response.get_data()
    assets = b''
    gzipped_assets = 0
    for url in re.findall(rb'(?:href|src)="([^"]+/static/[^"]+)"', html):
        data = client.get(url.decode()).get_data()
        assets += data
        gzipped_assets += len(gzip.compress(data))
    raw = len(html) + len(assets)
    gzipped = len(gzip.compress(html)) + gzipped_assets
    return raw, gzipped, len(html), len(assets)


def main():
    activate_module(['shakti_case'])
    application = setup()
    client = Client(app, Response)
    pages = [
        ('login', 'login'),
        ('reset', 'reset'),
        ]
    sizes = []
    for name, path in pages:
        sizes.append((name, weigh(client, path)))
    login = client.get(BASE + 'login').get_data(as_text=True)
    token, = re.findall(r'name="csrf_token" value="([^"]+)"', login)[:1]
    response = client.post(BASE + 'login', data={
            'login': 'sv-benchmark',
            'password': PASSWORD,
            'csrf_token': token,
            })
    if response.status_code != 303:
        raise RuntimeError(
            "login returned status %s" % response.status_code)
    for name, path in [
            ('home', ''),
            ('application', 'application/%s' % application),
            ('visit', 'application/%s/visit' % application),
            ('intake', 'intake'),
            ]:
        sizes.append((name, weigh(client, path)))

    print("| %-12s | %8s | %8s | %9s | %9s | %8s |" % (
            "Page", "HTML", "CSS+JS", "Total", "Gzipped", "< 100 KB"))
    print("|%s|%s|%s|%s|%s|%s|" % (
            '-' * 14, '-' * 10, '-' * 10, '-' * 11, '-' * 11, '-' * 10))
    over = False
    for name, (raw, gzipped, html, assets) in sizes:
        under = raw < LIMIT
        over = over or not under
        print("| %-12s | %8d | %8d | %9d | %9d | %8s |" % (
                name, html, assets, raw, gzipped, 'yes' if under else 'NO'))
    return 1 if over else 0


if __name__ == '__main__':
    sys.exit(main())
