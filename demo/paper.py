# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Imports of typed paper forms, done and failed, for two CBOs."""
import csv
import datetime as dt
import io

from trytond.pool import Pool
from trytond.transaction import Transaction

ORGANISATIONS = ["Basirhat-I Mukti Sangha", "Hasnabad Mukti Sangha"]
FILLERS = ["Social Worker", "Survivor Leader", "Survivor Herself"]
PRIORITIES = ["High", "Medium", "Low", ""]


def csv_file(rows):
    output = io.StringIO()
    csv.writer(output).writerows(rows)
    return output.getvalue().encode('utf-8')


def load(builder):
    pool = Pool()
    CaseImport = pool.get('shakti.case_import')

    for name in ORGANISATIONS:
        company = builder.organisations[name]
        imports = [
            intake_import(builder, company),
            failed_import(builder, company),
            ]
        follow_ups = follow_up_import(builder, company)
        if follow_ups:
            imports.append(follow_ups)
        CaseImport.save(imports)
        with Transaction().set_context(company=company.id):
            CaseImport.import_(imports)


def day(builder, days_ago):
    return (builder.today - dt.timedelta(days=days_ago)).strftime('%d/%m/%Y')


def intake_import(builder, company):
    "Return an import of intakes of two survivors of company"
    pool = Pool()
    CaseImport = pool.get('shakti.case_import')
    Survivor = pool.get('shakti.survivor')

    rng = builder.rng
    survivors = Survivor.search([
            ('company', '=', company.id),
            ], order=[('code', 'ASC')], limit=2)
    rows = [["Case Code", "Date", "Filled By", "Housing", "Livelihood"]]
    for survivor in survivors:
        rows.append([
                survivor.code, day(builder, rng.randint(2, 20)),
                rng.choice(FILLERS), rng.choice(PRIORITIES),
                rng.choice(PRIORITIES)])
    return CaseImport(
        company=company, kind='intake', file=csv_file(rows),
        file_name='intakes-%s.csv' % builder.today.strftime('%Y-%m'))


def failed_import(builder, company):
    "Return an import whose only row has a date that does not exist"
    pool = Pool()
    CaseImport = pool.get('shakti.case_import')
    Survivor = pool.get('shakti.survivor')

    survivor, = Survivor.search([
            ('company', '=', company.id),
            ], order=[('code', 'DESC')], limit=1)
    rows = [
        ["Case Code", "Date", "Filled By"],
        [survivor.code, '31/02/%s' % builder.today.year, "Social Worker"],
        ]
    return CaseImport(
        company=company, kind='intake', file=csv_file(rows),
        file_name='intakes-typo.csv')


def follow_up_import(builder, company):
    "Return an import of a visit for a pending application, if any"
    pool = Pool()
    CaseImport = pool.get('shakti.case_import')
    Application = pool.get('shakti.application')

    applications = Application.search([
            ('company', '=', company.id),
            ('state', 'in', ['submitted', 'under_process', 'approved']),
            ], order=[('number', 'ASC')], limit=1)
    if not applications:
        return None
    application, = applications
    rows = [
        ["Case Code", "Application", "Date", "With Survivor", "Outcome",
            "Next Date"],
        [application.survivor.code, application.number, day(builder, 1),
            "Yes", "Action Promised", day(builder, -14)],
        ]
    return CaseImport(
        company=company, kind='follow_up', file=csv_file(rows),
        file_name='visits-%s.csv' % builder.today.strftime('%Y-%m'))
