# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented scorecards of the last financial year.

The lead NGO rated three CBOs on the block comparison with the results of
the programme's own comparison. 8 High and 7 Medium give High, 2 High, 8
Medium and 5 Low give Medium, and 2 High, 6 Medium and 7 Low give Low. It
also rated a partner in a draft not yet complete. Two partners gave their
feedback on the lead NGO."""
import datetime as dt

from trytond.pool import Pool

from .grants import CANNING, CONSORTIUM, first_of_month

# (organisation, block code or None, template, ratings in the order of the
# template's criteria, the login that completed it or None for a draft)
SCORECARDS = [
    ("Basirhat-I Mukti Sangha", 'WB-N24P-BASIRHAT-I', 'block',
        'HMMHHHMHMHMHHMM', 'me.lead'),
    ("Hasnabad Mukti Sangha", 'WB-N24P-HASNABAD', 'block',
        'MLMLHHMMMLMLLMM', 'me.lead'),
    ("Baduria Mukti Sangha", 'WB-N24P-BADURIA', 'block',
        'HLMHLMLMLLLMLMM', 'me.lead'),
    (CANNING, None, 'block', 'HHMM', None),
    (CONSORTIUM, None, 'feedback', 'MHM', 'supervisor.jote'),
    (CANNING, None, 'feedback', 'LMH', 'supervisor.canning'),
    ]
TEMPLATES = {
    'block': 'scorecard_template_block',
    'feedback': 'scorecard_template_feedback',
    }
RATINGS = {'H': 'high', 'M': 'medium', 'L': 'low'}


def load(builder):
    "Create the demo scorecards, rated and completed by their writers"
    pool = Pool()
    Scorecard = pool.get('shakti.scorecard')
    Line = pool.get('shakti.scorecard.line')
    Template = pool.get('shakti.scorecard.template')
    ModelData = pool.get('ir.model.data')
    User = pool.get('res.user')

    templates = {
        key: Template(ModelData.get_id('shakti_partner_grants', xml_id))
        for key, xml_id in TEMPLATES.items()}
    # The last financial year, from April to March.
    start = first_of_month(builder.today, -12)
    while start.month != 4:
        start = first_of_month(start, -1)
    end = dt.date(start.year + 1, 3, 31)
    scorecards = Scorecard.create([{
                'company': builder.organisations[name].id,
                'block': builder.place(code).id if code else None,
                'template': templates[template].id,
                'start_date': start,
                'end_date': end,
                } for name, code, template, _, _ in SCORECARDS])
    to_write = []
    for scorecard, (_, _, _, ratings, _) in zip(scorecards, SCORECARDS):
        lines = sorted(scorecard.lines, key=lambda l: (
                l.criterion.sequence or 0, l.criterion.id))
        for line, rating in zip(lines, ratings):
            to_write.extend(([line], {'rating': RATINGS[rating]}))
    Line.write(*to_write)
    done = [(s, login) for s, (*_, login) in zip(scorecards, SCORECARDS)
        if login]
    Scorecard.done([s for s, _ in done])
    # The scorecards were completed by their writers after the year ended.
    users = {u.login: u for u in User.search([
                ('login', 'in', [login for _, login in done]),
                ])}
    completed = min(end + dt.timedelta(days=20), builder.today)
    to_write = []
    for scorecard, login in done:
        to_write.extend(([scorecard], {
                    'completed_by': users[login].id,
                    'completion_date': completed,
                    }))
    Scorecard.write(*to_write)
