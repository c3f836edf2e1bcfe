# This file is part of Shakti.  The COPYRIGHT file at the top level of
# this repository contains the full copyright notices and license terms.
"""The stall report of a fair as an XLSX workbook.

The report reads values, not records. Each model is searched once with
the record rules applied and read once per batch, so that the getters
run once per batch rather than once per row."""
import io
import logging
from collections import defaultdict
from decimal import Decimal

import xlsxwriter
from trytond.model import ModelView, fields
from trytond.modules.shakti_base.model import check_rule_read
from trytond.pool import Pool
from trytond.report import Report
from trytond.tools.timezone import UTC, get_tzinfo
from trytond.transaction import check_access
from trytond.wizard import Button, StateReport, StateView, Wizard

logger = logging.getLogger(__name__)

SALE_STATES = ['done', 'posted']

# The columns of each sheet: (key, heading, width, type, total). The types
# are text, date, money (a Decimal in the currency of the fair), quantity
# and integer. The last row of a sheet sums the columns with total.
SUMMARY_COLUMNS = [
    ('stall', "Stall", 28, 'text', False),
    ('organisation', "Organisation", 22, 'text', False),
    ('cash_sales', "Cash Sales", 14, 'money', True),
    ('upi_sales', "UPI Sales", 14, 'money', True),
    ('total_sales', "Total Sales", 14, 'money', True),
    ('cost_of_goods', "Cost of Goods Sold", 14, 'money', True),
    ('fee', "Stall Fee", 14, 'money', True),
    ('other_costs', "Other Costs", 14, 'money', True),
    ('margin', "Margin", 14, 'money', True),
    ('cash_difference', "Cash Difference", 14, 'money', True),
    ('rejected_quantity', "Quantity Rejected", 12, 'quantity', True),
    ]
PRODUCT_COLUMNS = [
    ('stall', "Stall", 28, 'text', False),
    ('product', "Product", 28, 'text', False),
    ('product_group', "Product Group", 24, 'text', False),
    ('enterprise', "Enterprise", 24, 'text', False),
    ('unit', "Unit", 8, 'text', False),
    ('quantity', "Quantity Sold", 12, 'quantity', True),
    ('sales', "Sales", 14, 'money', True),
    ('cost_of_goods', "Cost of Goods Sold", 14, 'money', True),
    ('margin', "Margin", 14, 'money', True),
    ]
SUM_COLUMNS = [
    ('quantity', "Quantity Sold", 12, 'quantity', True),
    ('sales', "Sales", 14, 'money', True),
    ('cost_of_goods', "Cost of Goods Sold", 14, 'money', True),
    ('margin', "Margin", 14, 'money', True),
    ]
PRODUCT_GROUP_COLUMNS = [
    ('product_group', "Product Group", 28, 'text', False),
    ] + SUM_COLUMNS
ENTERPRISE_COLUMNS = [
    ('enterprise', "Enterprise", 28, 'text', False),
    ('organisation', "Organisation", 22, 'text', False),
    ] + SUM_COLUMNS
COST_COLUMNS = [
    ('stall', "Stall", 28, 'text', False),
    ('kind', "Kind", 22, 'text', False),
    ('description', "Description", 36, 'text', False),
    ('amount', "Amount", 14, 'money', True),
    ]
QUALITY_COLUMNS = [
    ('stall', "Stall", 28, 'text', False),
    ('inspection', "Inspection", 12, 'text', False),
    ('processed_date', "Date Processed", 12, 'date', False),
    ('control', "Product Group Control", 30, 'text', False),
    ('state', "State", 10, 'text', False),
    ('failed_points', "Failed Points", 40, 'text', False),
    ('transfer', "Transfer", 12, 'text', False),
    ('product', "Product", 28, 'text', False),
    ('unit', "Unit", 8, 'text', False),
    ('quantity', "Quantity", 12, 'quantity', False),
    ]
DAY_COLUMNS = [
    ('stall', "Stall", 28, 'text', False),
    ('date', "Date", 12, 'date', False),
    ('sales', "Sales", 8, 'integer', True),
    ('cash_sales', "Cash Sales", 14, 'money', True),
    ('upi_sales', "UPI Sales", 14, 'money', True),
    ('expected_cash', "Expected Cash", 14, 'money', False),
    ('counted_cash', "Counted Cash", 14, 'money', False),
    ('difference', "Difference", 14, 'money', True),
    ('reason', "Reason", 40, 'text', False),
    ]
SHEETS = [
    # (title, context key, columns)
    ("Summary", 'summary', SUMMARY_COLUMNS),
    ("By Product", 'products', PRODUCT_COLUMNS),
    ("By Product Group", 'product_groups', PRODUCT_GROUP_COLUMNS),
    ("By Enterprise", 'enterprises', ENTERPRISE_COLUMNS),
    ("Costs", 'costs', COST_COLUMNS),
    ("Quality", 'quality', QUALITY_COLUMNS),
    ("Days", 'days', DAY_COLUMNS),
    ]
# The number of rows above the column headings of each sheet.
HEAD_ROWS = 6


def selection_labels(Model, name):
    "Return the labels of the selection field name of Model by value"
    return dict(Model.fields_get([name])[name]['selection'])


class StallReport(Wizard):
    "Write the stall report of a fair"
    __name__ = 'shakti.market.stall_report'
    start = StateView(
        'shakti.market.stall_report.start',
        'shakti_market.stall_report_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Spreadsheet", 'spreadsheet', 'tryton-save',
                default=True),
            ])
    spreadsheet = StateReport('shakti.market.stall_report.xlsx')

    def default_start(self, fields):
        if (self.model and self.model.__name__ == 'shakti.market.fair'
                and self.record):
            return {'fair': self.record.id}
        return {}

    def do_spreadsheet(self, action):
        # The report checks that the user may read the fair, and names its
        # file after it.
        fair = self.start.fair
        return action, {
            'model': 'shakti.market.fair',
            'id': fair.id,
            'ids': [fair.id],
            }


class StallReportStart(ModelView):
    "Choose the fair of the stall report"
    __name__ = 'shakti.market.stall_report.start'
    __string__ = "Stall Report"

    fair = fields.Many2One(
        'shakti.market.fair', "Fair", required=True,
        help="The report lists the stalls of this fair that you may read.")


class StallReportSpreadsheet(Report):
    __name__ = 'shakti.market.stall_report.xlsx'

    @classmethod
    def _execute(cls, records, header, data, action):
        context = cls.get_context(records, header, data)
        return 'xlsx', cls.render_xlsx(context)

    @classmethod
    def get_context(cls, records, header, data):
        pool = Pool()
        Date = pool.get('ir.date')
        Fair = pool.get('shakti.market.fair')

        context = super().get_context(records, header, data)
        fair = Fair(data['id'])
        check_rule_read(Fair, [fair])
        stalls = cls.read_stalls(fair)
        sales = cls.read_sales(stalls)
        products = cls.read_products(stalls, sales)
        costs = cls.read_costs(stalls)
        quality = cls.read_quality(fair, stalls)
        context['fair'] = fair
        context['currency'] = fair.currency
        context['today'] = Date.today()
        context['products'] = cls.get_product_rows(
            fair, stalls, sales, products)
        context['product_groups'] = cls.get_sum_rows(
            context['products'], 'product_group')
        context['enterprises'] = cls.get_sum_rows(
            context['products'], 'enterprise')
        context['costs'] = cls.get_cost_rows(stalls, costs)
        context['quality'] = quality
        context['days'] = cls.get_day_rows(stalls)
        context['summary'] = cls.get_summary_rows(
            fair, stalls, context['products'], costs, quality)
        logger.info(
            "Stall report of fair %s: %d stalls, %d sale lines, "
            "%d inspection rows", fair.id, len(stalls), len(sales),
            len(quality))
        return context

    @classmethod
    def read_stalls(cls, fair):
        """Return the values of the stalls of fair that the user may read,
        by id, in the order of their names"""
        pool = Pool()
        Stall = pool.get('shakti.market.stall')

        # A client's call applies the record rules, but code may render the
        # report without them. Apply them to the searches so that the
        # report contains only the records the user may read.
        with check_access():
            stall_ids = list(map(int, Stall.search([
                            ('fair', '=', fair.id),
                            ], order=[('name', 'ASC'), ('id', 'ASC')])))
        rows = Stall.read(stall_ids, [
                'name', 'company', 'company.rec_name', 'fee', 'point',
                'point.tax_included', 'cash_sales', 'upi_sales',
                'total_sales', 'cash_difference'])
        position = {id_: i for i, id_ in enumerate(stall_ids)}
        rows.sort(key=lambda r: position[r['id']])
        return {r['id']: r for r in rows}

    @classmethod
    def read_sales(cls, stalls):
        """Return the lines of the sales done or posted at the stalls, each
        with its stall and amount"""
        pool = Pool()
        Sale = pool.get('sale.point.sale')
        Line = pool.get('sale.point.sale.line')

        point2stall = {
            s['point']: s for s in stalls.values() if s['point']}
        with check_access():
            sale_ids = list(map(int, Sale.search([
                            ('point', 'in', list(point2stall)),
                            ('state', 'in', SALE_STATES),
                            ], order=[])))
            line_ids = list(map(int, Line.search([
                            ('sale', 'in', sale_ids),
                            ], order=[])))
        sale2point = {
            s['id']: s['point'] for s in Sale.read(sale_ids, ['point'])}
        lines = Line.read(line_ids, [
                'sale', 'product', 'quantity', 'unit_list_price',
                'unit_gross_price'])
        for line in lines:
            stall = point2stall[sale2point[line['sale']]]
            line['stall'] = stall['id']
            # The amount of the line as the sale counts it: with tax
            # included, at the gross price.
            if stall['point.']['tax_included']:
                unit_price = line['unit_gross_price']
            else:
                unit_price = line['unit_list_price']
            line['unit_price'] = unit_price or Decimal(0)
        return lines

    @classmethod
    def read_products(cls, stalls, sales):
        """Return the values of the products sold at the stalls by id, with
        their cost price in the organisation of each stall"""
        pool = Pool()
        Product = pool.get('product.product')
        CostPrice = pool.get('product.cost_price')
        ModelAccess = pool.get('ir.model.access')

        product_ids = sorted({l['product'] for l in sales})
        names = [
            'rec_name', 'default_uom', 'default_uom.symbol',
            'template.sale_uom', 'template.product_group',
            'template.product_group.rec_name', 'template.enterprise',
            'template.product_group.control',
            'template.organisation.rec_name']
        # Monitoring may read the products but not the enterprises, so its
        # report gives the sums without the enterprises' names.
        if ModelAccess.check(
                'shakti.shg.enterprise', 'read', raise_exception=False):
            names.append('template.enterprise.rec_name')
        rows = Product.read(product_ids, names)
        company_ids = sorted({s['company'] for s in stalls.values()})
        # The cost_price field of a product reads its value one product at
        # a time, so read the values of all products at once.
        cost_ids = list(map(int, CostPrice.search([
                        ('product', 'in', product_ids),
                        ('company', 'in', company_ids),
                        ], order=[('id', 'ASC')])))
        cost_prices = {}
        for cost in CostPrice.read(
                cost_ids, ['product', 'company', 'cost_price']):
            cost_prices.setdefault(
                (cost['product'], cost['company']), cost['cost_price'])
        products = {}
        for row in rows:
            template = row['template.']
            group = template.get('product_group.') or {}
            enterprise = template.get('enterprise.') or {}
            organisation = template.get('organisation.') or {}
            products[row['id']] = {
                'name': row['rec_name'],
                'default_uom': row['default_uom'],
                'unit': row['default_uom.']['symbol'],
                'sale_uom': template['sale_uom'] or row['default_uom'],
                'product_group': group.get('rec_name'),
                'product_group_id': template.get('product_group'),
                'control': group.get('control'),
                'enterprise': enterprise.get('rec_name'),
                'enterprise_id': template.get('enterprise'),
                'organisation': organisation.get('rec_name'),
                'cost_prices': {
                    c: cost_prices.get((row['id'], c)) or Decimal(0)
                    for c in company_ids},
                }
        return products

    @classmethod
    def read_costs(cls, stalls):
        "Return the values of the other costs of the stalls"
        pool = Pool()
        Cost = pool.get('shakti.market.stall.cost')

        kinds = selection_labels(Cost, 'kind')
        with check_access():
            cost_ids = list(map(int, Cost.search([
                            ('stall', 'in', list(stalls)),
                            ], order=[('id', 'ASC')])))
        costs = Cost.read(
            cost_ids, ['stall', 'kind', 'description', 'amount'])
        for cost in costs:
            cost['kind'] = kinds[cost['kind']]
        return costs

    @classmethod
    def get_product_rows(cls, fair, stalls, sales, products):
        """Return a row per stall and product sold: the quantity net of
        returns in the product's unit, the sales, the cost of goods sold
        and the margin"""
        pool = Pool()
        Uom = pool.get('product.uom')

        uoms = {u.id: u for u in Uom.browse(list(
                    {p['default_uom'] for p in products.values()}
                    | {p['sale_uom'] for p in products.values()}))}
        currency = fair.currency
        quantities = defaultdict(float)
        amounts = defaultdict(Decimal)
        for line in sales:
            product = products[line['product']]
            key = (line['stall'], line['product'])
            quantities[key] += Uom.compute_qty(
                uoms[product['sale_uom']], line['quantity'] or 0,
                uoms[product['default_uom']], round=False)
            amounts[key] += cls.round(currency, Decimal(
                    str(line['quantity'] or 0)) * line['unit_price'])
        position = {id_: i for i, id_ in enumerate(stalls)}
        rows = []
        for stall_id, product_id in sorted(quantities, key=lambda k: (
                    position[k[0]], products[k[1]]['name'], k[1])):
            stall = stalls[stall_id]
            product = products[product_id]
            key = (stall_id, product_id)
            quantity = uoms[product['default_uom']].round(quantities[key])
            cost_price = product['cost_prices'][stall['company']]
            cost = cls.round(
                currency, Decimal(str(quantity)) * cost_price)
            rows.append({
                    'stall_id': stall_id,
                    'product_id': product_id,
                    'stall': stall['name'],
                    'product': product['name'],
                    'product_group': product['product_group'],
                    'product_group_id': product['product_group_id'],
                    'enterprise': product['enterprise'],
                    'enterprise_id': product['enterprise_id'],
                    'organisation': product['organisation'],
                    'unit': product['unit'],
                    'quantity': quantity,
                    'sales': amounts[key],
                    'cost_of_goods': cost,
                    'margin': amounts[key] - cost,
                    })
        return rows

    @classmethod
    def get_sum_rows(cls, product_rows, key):
        """Return a row per record of key in the product rows, such as the
        product group or the enterprise, with their sums.

        Rows are summed by the id of the record, not by its name: two
        enterprises of one name are two rows."""
        sums = {}
        for row in product_rows:
            value = row.get('%s_id' % key)
            if value not in sums:
                sums[value] = {
                    key: row[key],
                    'organisation': row['organisation'],
                    'quantity': 0.0,
                    'sales': Decimal(0),
                    'cost_of_goods': Decimal(0),
                    'margin': Decimal(0),
                    }
            for name in ['quantity', 'sales', 'cost_of_goods', 'margin']:
                sums[value][name] += row[name]
        # The rows without a group or an enterprise come last.
        return [sums[v] for v in sorted(sums, key=lambda v: (
                    v is None, sums[v][key] or '',
                    sums[v]['organisation'] or '', v or 0))]

    @classmethod
    def get_cost_rows(cls, stalls, costs):
        "Return the fee and then each other cost of each stall"
        pool = Pool()
        Stall = pool.get('shakti.market.stall')

        fee = Stall.__names__('fee')['field']
        by_stall = defaultdict(list)
        for cost in costs:
            by_stall[cost['stall']].append(cost)
        rows = []
        for stall in stalls.values():
            rows.append({
                    'stall': stall['name'],
                    'kind': fee,
                    'amount': stall['fee'],
                    })
            for cost in by_stall[stall['id']]:
                rows.append({
                        'stall': stall['name'],
                        'kind': cost['kind'],
                        'description': cost['description'],
                        'amount': cost['amount'],
                        })
        return rows

    @classmethod
    def read_quality(cls, fair, stalls):
        """Return a row per inspection of a transfer to the stalls and
        product of the transfer that the inspection's control covers"""
        pool = Pool()
        Inspection = pool.get('quality.inspection')
        Point = pool.get('quality.control.point')
        Move = pool.get('stock.move')
        Shipment = pool.get('stock.shipment.internal')
        Product = pool.get('product.product')

        shipment_model = Shipment.__name__
        with check_access():
            inspection_ids = list(map(int, Inspection.search([
                            ('origin.to_stall', 'in', list(stalls),
                                shipment_model),
                            ], order=[('id', 'ASC')])))
            move_ids = list(map(int, Move.search([
                            ('shipment.to_stall', 'in', list(stalls),
                                shipment_model),
                            ], order=[('id', 'ASC')])))
        states = selection_labels(Inspection, 'state')
        inspections = Inspection.read(inspection_ids, [
                'number', 'processed_at', 'control', 'control.rec_name',
                'state', 'points', 'origin'])
        moves = Move.read(move_ids, [
                'shipment', 'product', 'quantity', 'unit', 'from_location'])
        shipment_ids = sorted({
                int(m['shipment'].split(',')[1]) for m in moves}
            | {int(i['origin'].split(',')[1]) for i in inspections})
        shipments = {s['id']: s for s in Shipment.read(shipment_ids, [
                    'number', 'from_location', 'to_location.stall'])}
        products = {p['id']: p for p in Product.read(
                sorted({m['product'] for m in moves}), [
                    'rec_name', 'default_uom', 'default_uom.symbol',
                    'template.product_group.control'])}
        points = defaultdict(list)
        for point in Point.search([
                    ('control', 'in', list(
                            {i['control'] for i in inspections})),
                    ], order=[('id', 'ASC')]):
            points[point.control.id].append(point)
        goods = cls.transfer_goods(moves, shipments, products)

        tzinfo = get_tzinfo(fair.company.timezone) if (
            fair.company.timezone) else UTC
        position = {id_: i for i, id_ in enumerate(stalls)}
        rows = []
        for inspection in inspections:
            inspection['shipment'] = int(inspection['origin'].split(',')[1])
        # Sort by stall and then by creation, because the inspection
        # numbers are strings that do not sort as numbers.
        inspections.sort(key=lambda i: (
                position[shipments[i['shipment']]['to_location.']['stall']],
                i['id']))
        for inspection in inspections:
            shipment = shipments[inspection['shipment']]
            stall = stalls[shipment['to_location.']['stall']]
            failed = []
            if inspection['state'] == 'failed':
                values = inspection['points'] or {}
                failed = [
                    p.string for p in points[inspection['control']]
                    if not p.check(values.get(p.name))]
            processed_date = None
            if inspection['processed_at']:
                processed_date = inspection['processed_at'].replace(
                    tzinfo=UTC).astimezone(tzinfo).date()
            row = {
                'stall_id': stall['id'],
                'stall': stall['name'],
                'inspection': inspection['number'],
                'processed_date': processed_date,
                'control': inspection['control.']['rec_name'],
                'state': states[inspection['state']],
                'failed': inspection['state'] == 'failed',
                'failed_points': '; '.join(failed),
                'transfer': shipment['number'],
                }
            lines = goods[shipment['id']]
            # A transfer of goods of several product groups has an
            # inspection per group, so each lists the goods of its group.
            covered = [
                l for l in lines if l['control'] == inspection['control']]
            for line in covered or lines or [{}]:
                rows.append(dict(row,
                        product=line.get('product'),
                        unit=line.get('unit'),
                        quantity=line.get('quantity')))
        return rows

    @classmethod
    def transfer_goods(cls, moves, shipments, products):
        """Return per transfer the products sent and their quantities in
        the product's unit"""
        pool = Pool()
        Uom = pool.get('product.uom')

        uoms = {u.id: u for u in Uom.browse(list(
                    {m['unit'] for m in moves}
                    | {p['default_uom'] for p in products.values()}))}
        quantities = defaultdict(float)
        for move in moves:
            shipment = shipments[int(move['shipment'].split(',')[1])]
            # Through a transit place the goods have a move out and a move
            # in, so count only the move out of the place the transfer
            # leaves.
            if move['from_location'] != shipment['from_location']:
                continue
            product = products[move['product']]
            quantities[shipment['id'], move['product']] += Uom.compute_qty(
                uoms[move['unit']], move['quantity'],
                uoms[product['default_uom']], round=False)
        goods = defaultdict(list)
        for (shipment_id, product_id), quantity in sorted(
                quantities.items(),
                key=lambda i: (i[0][0], products[i[0][1]]['rec_name'])):
            product = products[product_id]
            template = product['template.']
            group = template.get('product_group.') or {}
            goods[shipment_id].append({
                    'product': product['rec_name'],
                    'unit': product['default_uom.']['symbol'],
                    'quantity': uoms[product['default_uom']].round(quantity),
                    'control': group.get('control'),
                    })
        return goods

    @classmethod
    def get_day_rows(cls, stalls):
        "Return a row per closed day of the stalls"
        pool = Pool()
        Day = pool.get('shakti.market.stall.day')

        with check_access():
            day_ids = list(map(int, Day.search([
                            ('stall', 'in', list(stalls)),
                            ], order=[('date', 'ASC'), ('id', 'ASC')])))
        days = Day.read(day_ids, [
                'stall', 'date', 'sales', 'cash_sales', 'upi_sales',
                'expected_cash', 'counted_cash', 'difference', 'reason'])
        position = {id_: i for i, id_ in enumerate(stalls)}
        days.sort(key=lambda d: (position[d['stall']], d['date'], d['id']))
        for day in days:
            day['stall'] = stalls[day['stall']]['name']
        return days

    @classmethod
    def get_summary_rows(cls, fair, stalls, product_rows, costs, quality):
        """Return a row per stall with its sales, costs, margin, cash
        difference and the quantity its inspections rejected"""
        currency = fair.currency
        cost_of_goods = defaultdict(Decimal)
        for row in product_rows:
            cost_of_goods[row['stall_id']] += row['cost_of_goods']
        other_costs = defaultdict(Decimal)
        for cost in costs:
            other_costs[cost['stall']] += cost['amount']
        rejected = defaultdict(float)
        for row in quality:
            if row['failed'] and row['quantity']:
                rejected[row['stall_id']] += row['quantity']

        rows = []
        for stall in stalls.values():
            id_ = stall['id']
            margin = (
                stall['total_sales'] - cost_of_goods[id_] - stall['fee']
                - other_costs[id_])
            rows.append({
                    'stall': stall['name'],
                    'organisation': stall['company.']['rec_name'],
                    'cash_sales': stall['cash_sales'],
                    'upi_sales': stall['upi_sales'],
                    'total_sales': stall['total_sales'],
                    'cost_of_goods': cost_of_goods[id_],
                    'fee': stall['fee'],
                    'other_costs': cls.round(currency, other_costs[id_]),
                    'margin': cls.round(currency, margin),
                    'cash_difference': stall['cash_difference'],
                    'rejected_quantity': rejected[id_],
                    })
        return rows

    @staticmethod
    def round(currency, amount):
        return currency.round(amount) if currency else amount

    @classmethod
    def render_xlsx(cls, context):
        "Return the report as the bytes of an XLSX workbook"
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {'in_memory': True})
        formats = ReportFormats(workbook, context['currency'])
        for title, key, columns in SHEETS:
            sheet = workbook.add_worksheet(title)
            cls.write_head(sheet, formats, context, title)
            cls.write_rows(sheet, formats, context[key], columns)
        workbook.close()
        return output.getvalue()

    @classmethod
    def write_head(cls, sheet, formats, context, title):
        fair = context['fair']
        sheet.write(0, 0, "Stall Report: %s" % title, formats.title)
        sheet.write(1, 0, "Fair", formats.bold)
        sheet.write(1, 1, fair.name)
        sheet.write(2, 0, "Organisation", formats.bold)
        sheet.write(2, 1, fair.company.rec_name)
        sheet.write(3, 0, "From", formats.bold)
        sheet.write_datetime(3, 1, fair.start_date, formats.date)
        sheet.write(3, 2, "To", formats.bold)
        sheet.write_datetime(3, 3, fair.end_date, formats.date)
        sheet.write(4, 0, "Generated On", formats.bold)
        sheet.write_datetime(4, 1, context['today'], formats.date)

    @classmethod
    def write_rows(cls, sheet, formats, rows, columns):
        for col, (_, heading, width, _, _) in enumerate(columns):
            sheet.write(HEAD_ROWS, col, heading, formats.heading)
            sheet.set_column(col, col, width)
        totals = {}
        for key, _, _, type_, total in columns:
            if total:
                totals[key] = Decimal(0) if type_ == 'money' else 0
        for i, row in enumerate(rows, HEAD_ROWS + 1):
            for col, (key, _, _, type_, _) in enumerate(columns):
                value = row.get(key)
                if key in totals and value is not None:
                    totals[key] += value
                cls.write_cell(sheet, formats, i, col, value, type_)
        total_row = HEAD_ROWS + 1 + len(rows)
        for col, (key, _, _, type_, _) in enumerate(columns):
            if col == 0:
                sheet.write_string(total_row, col, "Total", formats.total)
            elif key in totals:
                cls.write_cell(
                    sheet, formats, total_row, col, totals[key], type_,
                    total=True)
            else:
                sheet.write_blank(total_row, col, None, formats.total)
        sheet.freeze_panes(HEAD_ROWS + 1, 0)

    @classmethod
    def write_cell(cls, sheet, formats, row, col, value, type_, total=False):
        if value is None or value == '':
            return
        if type_ == 'money':
            sheet.write_number(row, col, float(value), formats.money(total))
        elif type_ == 'date':
            sheet.write_datetime(row, col, value, formats.date)
        elif type_ in {'quantity', 'integer'}:
            sheet.write_number(
                row, col, value, formats.total if total else None)
        else:
            sheet.write_string(row, col, value)


class ReportFormats:
    "The cell formats of a stall report workbook"

    def __init__(self, workbook, currency):
        self.bold = workbook.add_format({'bold': True})
        self.title = workbook.add_format({'bold': True, 'font_size': 14})
        self.heading = workbook.add_format({
                'bold': True, 'bg_color': '#DDDDDD', 'border': 1,
                'text_wrap': True})
        self.date = workbook.add_format({'num_format': 'dd/mm/yyyy'})
        self.total = workbook.add_format({'bold': True, 'top': 1})
        number = '#,##0.00'
        if currency:
            digits = currency.digits or 0
            number = '#,##0' + ('.' + '0' * digits if digits else '')
            symbol = (currency.symbol or currency.code).replace('"', '')
            number = '"%s"%s' % (symbol, number)
        self._money = workbook.add_format({'num_format': number})
        self._money_total = workbook.add_format({
                'num_format': number, 'bold': True, 'top': 1})

    def money(self, total=False):
        "Return the format of an amount, with a rule above on the total row"
        return self._money_total if total else self._money
