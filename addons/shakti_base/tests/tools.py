# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Organisations and users for the Shakti scenarios, made with proteus."""
from proteus import Model
from proteus.config import get_config
from trytond.tests.tools import set_user

__all__ = ['setup_organisations', 'get_organisation', 'get_user', 'set_user']

PASSWORD = 'scenario-pass-1'
# (organisation, type, parent, working area code)
ORGANISATIONS = [
    ("Test Lead Trust", 'lead', None, None),
    ("Test Partner Network", 'partner', "Test Lead Trust", None),
    ("Alpha CBO", 'cbo', "Test Partner Network", 'WB-N24P-BASIRHAT-I'),
    ("Beta CBO", 'cbo', "Test Partner Network", 'WB-N24P-HASNABAD'),
    ]
# (login, group names, organisation, employee name or None)
USERS = [
    ('worker_a', ["Case Worker"], "Alpha CBO", "Worker Alpha"),
    ('leader_a', ["Survivor Leader"], "Alpha CBO", None),
    ('supervisor_a', ["Case Supervisor"], "Alpha CBO", "Supervisor Alpha"),
    ('counsellor_a', ["Counsellor"], "Alpha CBO", "Counsellor Alpha"),
    ('worker_b', ["Case Worker"], "Beta CBO", "Worker Beta"),
    ('supervisor_b', ["Case Supervisor"], "Beta CBO", "Supervisor Beta"),
    ('counsellor_b', ["Counsellor"], "Beta CBO", "Counsellor Beta"),
    ('monitor', ["Monitoring and Evaluation"], "Test Lead Trust", None),
    ('livelihood', ["Livelihood Officer"], "Test Lead Trust", None),
    ('livelihood_a', ["Livelihood Officer"], "Alpha CBO", "Livelihood Alpha"),
    ('livelihood_b', ["Livelihood Officer"], "Beta CBO", "Livelihood Beta"),
    ('finance', ["Finance Officer"], "Test Lead Trust", None),
    ('approver', ["Finance Officer", "Finance Approver"],
        "Test Lead Trust", None),
    ('finance_p', ["Finance Officer"], "Test Partner Network", None),
    ('approver_p', ["Finance Officer", "Finance Approver"],
        "Test Partner Network", None),
    ('supervisor_p', ["Case Supervisor"], "Test Partner Network", None),
    ]


def setup_organisations(config=None):
    "Create the test organisations with one user per role"
    if config is None:
        config = get_config()
    Party = Model.get('party.party', config=config)
    Company = Model.get('company.company', config=config)
    Currency = Model.get('currency.currency', config=config)
    Place = Model.get('shakti.place', config=config)
    Employee = Model.get('company.employee', config=config)
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)

    inr, = Currency.find([('code', '=', 'INR')])
    companies = {}
    for name, type_, parent, place in ORGANISATIONS:
        company = Company(party=Party(name=name), currency=inr)
        company.party.save()
        company.timezone = 'Asia/Kolkata'
        company.organisation_type = type_
        if parent:
            company.parent = companies[parent]
        if place:
            company.places.append(Place.find([('code', '=', place)])[0])
        company.save()
        companies[name] = company

    for login, groups, organisation, employee_name in USERS:
        company = companies[organisation]
        user = User(login=login, name=login, password=PASSWORD)
        user.companies.append(Company(company.id))
        user.company = Company(company.id)
        for group_name in groups:
            group, = Group.find([('name', '=', group_name)])
            user.groups.append(group)
        if employee_name:
            employee = Employee(
                party=Party(name=employee_name), company=company)
            employee.party.save()
            employee.save()
            user.employees.append(employee)
            user.employee = employee
        user.save()


def get_organisation(name, config=None):
    Company = Model.get('company.company', config=config)
    company, = Company.find([('party.name', '=', name)])
    return company


def get_user(login, config=None):
    User = Model.get('res.user', config=config)
    user, = User.find([('login', '=', login)])
    return user
