# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""Invented self-help groups with their members, meetings, savings and
loans, repaid at the meetings with some arrears."""
import calendar
import datetime as dt
from decimal import Decimal

from trytond.pool import Pool

# The organisations with groups: (organisation, block, group names).
GROUPS = [
    ("Basirhat-I Mukti Sangha", 'WB-N24P-BASIRHAT-I',
        ["Ujjwala Mahila Dal", "Sonar Tori SHG"]),
    ("Hasnabad Mukti Sangha", 'WB-N24P-HASNABAD',
        ["Alor Disha SHG", "Nari Shakti Dal"]),
    ("Canning Sakhi Samiti", 'WB-S24P-CANNING-I',
        ["Sabala Mahila Dal", "Notun Asha SHG"]),
    ("Krishna Vanitha Vedika", 'AP-KRISHNA-GUDIVADA',
        ["Sri Lakshmi Mahila Sangham", "Navodaya Podupu Sangham"]),
    ]
WB_MEMBER_NAMES = [
    "Sabita", "Anjali", "Malati", "Fatema", "Chhobi", "Kalpana", "Minati",
    "Rekha", "Sulekha", "Nasima", "Bulbul", "Tumpa"]
WB_MEMBER_SURNAMES = [
    "Mondal", "Sardar", "Bibi", "Naskar", "Gayen", "Halder", "Mistri"]
AP_MEMBER_NAMES = [
    "Sujatha", "Bhavani", "Nagamani", "Jyothi", "Saraswathi", "Ratna",
    "Varalakshmi", "Kumari"]
AP_MEMBER_SURNAMES = ["Boddu", "Mekala", "Yarra", "Kondeti", "Vemula"]
# The number of monthly meetings held so far by each group.
MEETINGS = 7


def load(builder):
    "Create the demo self-help groups and their history"
    for organisation, block, names in GROUPS:
        company = builder.organisations[organisation]
        for name in names:
            create_group(builder, company, builder.place(block), name)


def month_day(date, months, day):
    "Return the day of the month months after date's month"
    month = date.month - 1 + months
    year = date.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def member_names(builder, block_code, count):
    rng = builder.rng
    if block_code.startswith('AP-'):
        first_names, surnames = AP_MEMBER_NAMES, AP_MEMBER_SURNAMES
    else:
        first_names, surnames = WB_MEMBER_NAMES, WB_MEMBER_SURNAMES
    names = set()
    while len(names) < count:
        names.add("%s %s" % (rng.choice(first_names), rng.choice(surnames)))
    return sorted(names)


def create_group(builder, company, block, name):
    pool = Pool()
    Group = pool.get('shakti.shg')
    Member = pool.get('shakti.shg.member')
    Survivor = pool.get('shakti.survivor')

    rng = builder.rng
    today = builder.today
    monthday = rng.randint(3, 20)
    # The first meeting shown is MEETINGS months ago, the last one this
    # month or the month before, never after today.
    last = month_day(today, 0, monthday)
    if last > today:
        last = month_day(today, -1, monthday)
    dates = [month_day(last, -i, monthday) for i in range(MEETINGS)][::-1]
    formation = dates[0] - dt.timedelta(days=rng.randint(200, 700))
    group = Group(
        company=company, name=name, block=block,
        village=rng.choice(["Uttarpara", "Dakshinpara", "Majherpara",
                "Purbapara", "Paschimpara"]),
        formation_date=formation,
        meeting_frequency='monthly', meeting_monthday=monthday,
        bank=rng.choice(["Bangiya Gramin Vikash Bank", "State Bank of India",
                "Andhra Pradesh Grameena Vikas Bank", "Canara Bank"]),
        bank_branch="%s Branch" % block.name,
        bank_account=str(rng.randint(10 ** 10, 10 ** 11 - 1)),
        srlm_code='SRLM-%s-%04d' % (block.code[-6:], rng.randint(1, 9999)),
        srlm_date=formation + dt.timedelta(days=rng.randint(30, 120)))
    group.save()

    survivors = Survivor.search([
            ('company', '=', company.id),
            ('registration_date', '<=', formation),
            ], order=[('id', 'ASC')])
    linked = {m.survivor for m in Member.search([
                ('survivor', 'in', [s.id for s in survivors]),
                ])}
    free = [s for s in survivors if s not in linked][:2]
    names = member_names(builder, block.code, rng.randint(8, 11))
    members = []
    for i, member_name in enumerate(names):
        member = Member(
            shg=group, name=member_name,
            role=['president', 'secretary', 'treasurer'][i] if i < 3
            else 'member',
            join_date=formation + dt.timedelta(days=rng.randint(0, 30)))
        if i < len(free):
            member.name = free[i].name
            member.survivor = free[i]
        members.append(member)
    leaver = members[-1]
    leaver.leave_date = dates[2]
    Member.save(members)
    hold_meetings(builder, group, dates)


def hold_meetings(builder, group, dates):
    """Hold the monthly meetings: attendance, savings, loans disbursed on
    the 2nd and 4th meetings, and the dues collected with some arrears"""
    pool = Pool()
    Meeting = pool.get('shakti.shg.meeting')
    Saving = pool.get('shakti.shg.saving')

    rng = builder.rng
    # How well the group repays: the chance to pay all, part or nothing.
    habit = rng.choice([(1.0, 0.0), (0.8, 0.1), (0.5, 0.3)])
    for index, date in enumerate(dates):
        meeting = Meeting(shg=group, date=date, minutes=rng.choice([
                    "Savings collected; discussed the next fair.",
                    "Discussed the bank loan and the tailoring unit.",
                    "Members visited the block office together.",
                    ]))
        meeting.save()
        Meeting.fill_attendance([meeting])
        savings = []
        for line in meeting.attendance:
            line.present = rng.random() < 0.85
            line.save()
            if line.present:
                savings.append(Saving(
                        member=line.member, meeting=meeting, date=date,
                        kind='deposit',
                        amount=Decimal(rng.choice([100, 100, 150, 200]))))
        Saving.save(savings)
        if index == 1:
            create_bank_loan(builder, group, date, dates)
        elif index == 3:
            create_internal_loan(builder, group, date)
        Meeting.fill_dues([meeting])
        for repayment in Meeting(meeting.id).repayments:
            draw = rng.random()
            if draw < habit[0]:
                continue
            elif draw < habit[0] + habit[1]:
                repayment.amount = group.currency.round(
                    repayment.amount / 2)
            else:
                repayment.amount = Decimal(0)
            repayment.save()
        Meeting.do([meeting])


def create_bank_loan(builder, group, date, dates):
    pool = Pool()
    Loan = pool.get('shakti.shg.loan')

    rng = builder.rng
    loan = Loan(
        shg=group, borrower='group', lender_type='bank',
        lender="%s, %s" % (group.bank, group.bank_branch),
        purpose="Working capital for the members' trades",
        principal=Decimal(rng.choice([60000, 90000, 120000, 150000])),
        interest_rate=Decimal('11.00'), interest_method='declining',
        instalment_count=24, frequency='monthly',
        disbursement_date=date,
        first_due_date=month_day(date, 1, group.meeting_monthday),
        subvention_eligible=True)
    loan.save()
    Loan.split_shares([loan])
    Loan.disburse([loan])


def create_internal_loan(builder, group, date):
    pool = Pool()
    Loan = pool.get('shakti.shg.loan')
    Member = pool.get('shakti.shg.member')

    rng = builder.rng
    members = Member.members_on([group], date)
    loan = Loan(
        shg=group, borrower='member', member=rng.choice(members),
        lender_type='internal', lender="Group savings",
        purpose=rng.choice(["Sewing machine", "Goats", "Stock for a shop"]),
        principal=Decimal(rng.choice([1500, 2000, 2500])),
        interest_rate=Decimal('12.00'), interest_method='flat',
        instalment_count=6, frequency='monthly',
        disbursement_date=date,
        first_due_date=month_day(date, 1, group.meeting_monthday))
    loan.save()
    Loan.disburse([loan])
