"""Returns restated into the period of the order they reverse, voids that claw back, credit
notes kept out of the base, deductions, negative payables, and the other bases and facts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from qudao.catalog.models import Category
from qudao.governance.models import Penalty, Violation
from qudao.partners.models import Grade, Partner
from qudao.programs.models import Settlement, Statement, StatementLine
from qudao.programs.services import rebates_settle, settlement_approve, statement_approve
from tests.conftest import World
from tests.factories import CategoryFactory, ProductFactory
from tests.programs.conftest import TIERS, program_toml, sale

pytestmark = pytest.mark.django_db
D = Decimal


def _line(settlement: Settlement, kind: str = "current", partner: str = "P-DE") -> StatementLine:
    return StatementLine.objects.get(
        statement__settlement=settlement, statement__partner__code=partner, kind=kind
    )


def _statement(settlement: Settlement, partner: str = "P-DE") -> Statement:
    return Statement.objects.get(settlement=settlement, partner__code=partner)


def test_a_return_is_restated_into_its_order_quarter_as_a_prior_period_adjustment(
    world: World, load_lines, load_program
) -> None:
    load_program(program_toml("VOL", "retroactive", TIERS, settlement="quarter"))
    load_lines(sale("2020-02-10", "SO1", 120000), sale("2020-04-10", "SO2", 50000))
    q1 = rebates_settle(period="2020Q1", approve=True)
    assert _statement(q1).payable == D("3600.00")  # 120k at 3 %
    # In Q2 the partner returns 30k of the Q1 order: Q1 falls to 90k, 2 % = 1,800
    load_lines(sale("2020-05-02", "RT1", -30000, quantity=-1, original="SO1"))
    q2 = rebates_settle(period="2020Q2", approve=True)
    current, adjustment = _line(q2), _line(q2, "adjustment")
    assert current.base == D(50000) and current.entitlement == D(
        "1000.00"
    )  # Q2 untouched by the return
    assert (adjustment.period, adjustment.base, adjustment.entitlement) == (
        "2020Q1",
        D(90000),
        D("1800.00"),
    )
    assert (adjustment.already_paid, adjustment.payable) == (D("3600.00"), D("-1800.00"))
    assert _statement(q2).payable == D("-800.00")  # a debit to the partner (the default)
    # settled again, nothing more moves: the adjustment was paid
    again = rebates_settle(period="2020Q2")
    assert _statement(again).payable == 0
    assert not StatementLine.objects.filter(statement__settlement=again, kind="adjustment").exists()


def test_a_return_naming_no_known_order_counts_where_it_falls(
    world: World, load_lines, load_program
) -> None:
    load_program(program_toml("VOL", "retroactive", TIERS))
    load_lines(
        sale("2020-02-10", "SO1", 120000),
        sale("2020-02-20", "RT1", -30000, quantity=-1, original="NOPE"),
    )
    assert _line(rebates_settle(period="2020Q1")).base == D(90000)


def test_negative_payable_offsets_the_next_payout_when_set(
    world: World, load_lines, load_program, settings
) -> None:
    settings.QUDAO = {**settings.QUDAO, "REBATE_NEGATIVE_PAYABLE": "offset"}
    load_program(program_toml("VOL", "retroactive", TIERS))
    load_lines(sale("2020-02-10", "SO1", 120000), sale("2020-04-10", "SO2", 20000))
    rebates_settle(period="2020Q1", approve=True)
    load_lines(sale("2020-05-02", "RT1", -30000, quantity=-1, original="SO1"))
    q2 = _statement(rebates_settle(period="2020Q2", approve=True))
    assert (q2.lines_payable, q2.payable, q2.carried_out) == (D("-1400.00"), 0, D("-1400.00"))
    load_lines(sale("2020-08-10", "SO3", 100000))
    q3 = _statement(rebates_settle(period="2020Q3", approve=True))
    assert (q3.carried_in, q3.payable) == (D("-1400.00"), D("1600.00"))  # 3,000 − 1,400


def test_a_void_claws_back_an_interim_payout(world: World, load_lines, load_program) -> None:
    load_program(program_toml("VOL", "retroactive", TIERS, extra='void_on = ["below_floor"]'))
    load_lines(sale("2020-01-10", "SO1", 60000), sale("2020-02-10", "SO2", 10000))
    january = rebates_settle(period="2020-01", approve=True)
    assert _statement(january).payable == D("1200.00")
    Violation.objects.create(
        identity="v1",
        type="below_floor",
        partner=world.p_de,
        period="2020Q1",
        status="confirmed",
        severity="high",
    )
    Violation.objects.create(
        identity="v2",
        type="below_floor",
        partner=world.p_us,
        period="2020Q1",
        status="open",
        severity="high",
    )
    february = rebates_settle(period="2020-02", approve=True)
    line = _line(february)
    assert line.voided and line.entitlement == 0 and line.payable == D("-1200.00")


def test_a_void_found_after_the_final_settlement_claws_back_in_the_next(
    world: World, load_lines, load_program
) -> None:
    load_program(program_toml("VOL", "retroactive", TIERS, extra='void_on = ["cross_region_sale"]'))
    load_lines(sale("2020-01-10", "SO1", 60000), sale("2020-04-10", "SO2", 10000))
    rebates_settle(period="2020Q1", approve=True)
    Violation.objects.create(
        identity="v1",
        type="cross_region_sale",
        partner=world.p_de,
        period="2020Q1",
        status="confirmed",
        severity="high",
    )
    q2 = rebates_settle(period="2020Q2", approve=True)
    assert _line(q2, "adjustment").payable == D("-1200.00")
    assert _line(q2).payable == D("200.00")  # Q2 is not voided: the violation was in Q1


def test_rebate_credit_notes_never_enter_the_base(world: World, load_lines, load_program) -> None:
    load_program(program_toml("VOL", "retroactive", TIERS))
    load_lines(sale("2020-02-10", "SO1", 120000), sale("2020-03-01", "RB-7-1", -3600, quantity=-1))
    assert _line(rebates_settle(period="2020Q1")).base == D(120000)


def test_penalty_deduction_is_taken_once(world: World, load_lines, load_program) -> None:
    load_program(program_toml("VOL", "retroactive", TIERS))
    load_lines(sale("2020-02-10", "SO1", 120000))
    violation = Violation.objects.create(
        identity="v1",
        type="below_floor",
        partner=world.p_de,
        period="2020Q1",
        status="confirmed",
        severity="high",
    )
    Penalty.objects.create(
        violation=violation,
        partner=world.p_de,
        kind="rebate_deduction",
        amount=D(500),
        period="2020Q1",
        status="applied",
    )
    first = _statement(rebates_settle(period="2020Q1", approve=True))
    assert (first.deductions, first.payable) == (D(500), D("3100.00"))
    assert _statement(rebates_settle(period="2020Q2")).deductions == 0


def test_enrolment_by_channel_model_and_grade(world: World, load_lines, load_program) -> None:
    gold = Grade.objects.get_or_create(code="A", defaults={"name_en": "Gold", "rank": 1})[0]
    Partner.objects.filter(pk=world.p_us.pk).update(grade=gold)
    load_program(
        program_toml(
            "VOL", "flat", "rate = 0.01", enrol='channel_models = ["reseller"]\ngrades = ["A"]'
        )
    )
    load_lines(sale("2020-02-10", "SO1", 1000), sale("2020-02-10", "SO2", 1000, partner="P-US"))
    settlement = rebates_settle(period="2020Q1")
    assert list(settlement.statements.values_list("partner__code", flat=True)) == ["P-US"]


def test_rate_table_by_product_and_category_and_quantity_measure(
    world: World, load_lines, load_program
) -> None:
    bikes = Category.objects.get(pk=world.product.category_id)
    child = CategoryFactory(code="ROAD", parent=bikes)
    ProductFactory(code="ROAD-1", category=child)
    ProductFactory(code="HELMET", category=CategoryFactory(code="GEAR"))
    body = (
        f'rate = 0.01\n[[rates]]\ncategory = "{bikes.code}"\nrate = 0.03\n'
        '[[rates]]\nproduct = "ROAD-1"\nrate = 0.05'
    )
    load_program(program_toml("TAB", "flat", body))
    load_program(program_toml("QTY", "flat", "rate = 2", extra='measure = "quantity"'))
    load_lines(
        sale("2020-02-10", "SO1", 1000, product="BIKE-1", quantity=3),  # its category: 3 %
        sale("2020-02-10", "SO1", 1000, product="ROAD-1", quantity=4, line=2),  # its own: 5 %
        sale("2020-02-10", "SO1", 1000, product="HELMET", quantity=5, line=3),  # the default 1 %
    )
    settlement = rebates_settle(period="2020Q1")
    lines = {
        line.program_code: line
        for line in StatementLine.objects.filter(statement__settlement=settlement)
    }
    assert lines["TAB"].entitlement == D("90.00")
    assert (lines["QTY"].base, lines["QTY"].entitlement) == (D(12), D("24.00"))


def test_mix_and_growth_and_sell_through_through_settlement(
    world: World, load_lines, load_program
) -> None:
    focus = Category.objects.get(pk=world.product.category_id).code
    ProductFactory(code="OTHER")
    load_program(
        program_toml(
            "MIX",
            "mix",
            f'rate = 0.01\nlifted_rate = 0.02\nshare_min = 0.5\n[focus]\ncategories = ["{focus}"]',
        )
    )
    load_program(
        program_toml(
            "GRO",
            "growth",
            'growth = "percent"\nrate_on = "growth"\n[[tiers]]\nfrom = 0.1\nrate = 0.1',
        )
    )
    load_program(
        program_toml("ST", "flat", "rate = 0.01").replace(
            'base = "sell_in"', 'base = "sell_through"'
        )
    )
    load_lines(
        sale("2019-02-10", "SO0", 10000),
        sale("2020-02-10", "SO1", 6000, product="BIKE-1"),
        sale("2020-02-10", "SO1", 6000, product="OTHER", line=2),
    )
    load_lines(
        ("2020-03-01", "P-DE", "C1", "", "BIKE-1", 1, "", 500, "D1"),
        fact="sell_through",
        header="date,partner,customer,customer_region,product,quantity,unit_price,amount,document_id",
    )
    settlement = rebates_settle(period="2020Q1")
    lines = {
        line.program_code: line
        for line in StatementLine.objects.filter(statement__settlement=settlement)
    }
    assert lines["MIX"].entitlement == D("240.00")  # focus half of 12k: 2 %
    assert (lines["GRO"].base_last_year, lines["GRO"].entitlement) == (
        D(10000),
        D("200.00"),
    )  # 10 % of 2k
    assert lines["ST"].entitlement == D("5.00")


def test_payment_program_from_the_payment_fact(world: World, load_lines, load_program) -> None:
    body = "[[bands]]\ndays_max = 30\nrate = 0.02\n[[bands]]\ndays_max = 60\nrate = 0.01"
    load_program(program_toml("PAY", "payment", body).replace('base = "sell_in"\n', ""))
    load_lines(
        ("P-DE", "INV1", "2020-01-01", 10000, "2020-01-31"),  # 30 days: 2 %
        ("P-DE", "INV2", "2020-01-01", 10000, "2020-01-31"),
        ("P-DE", "INV3", "2020-01-01", 20000, "2020-02-15"),  # 45 days: 1 %
        ("P-DE", "INV4", "2019-12-01", 5000, "2020-03-01"),  # 91 days: nothing
        ("P-DE", "INV5", "2020-03-01", 9000, "2020-04-01"),  # paid in Q2
        fact="payment",
        header="partner,invoice_id,invoice_date,amount,paid_date",
    )
    line = _line(rebates_settle(period="2020Q1"))
    assert (line.base, line.entitlement) == (D(45000), D("600.00"))


def test_only_finance_and_directors_settle_and_approve(
    world: World, load_lines, load_program
) -> None:
    load_program(program_toml("VOL", "retroactive", TIERS))
    load_lines(sale("2020-02-10", "SO1", 120000))
    for role in ("manager", "sales", "partner_admin"):
        with pytest.raises(PermissionDenied):
            rebates_settle(period="2020Q1", actor=world.users[role])
    assert not Settlement.objects.exists()
    settlement = rebates_settle(period="2020Q1", actor=world.users["finance"])
    statement = _statement(settlement)
    with pytest.raises(PermissionDenied):
        statement_approve(statement=statement, actor=world.users["manager"])
    statement.refresh_from_db()
    assert statement.status == "draft"
    statement_approve(statement=statement, actor=world.users["finance"])
    statement.refresh_from_db()
    assert statement.status == "approved" and statement.document_no.startswith("RB-")


def test_a_monthly_program_settled_by_quarter_restates_an_earlier_month_once(
    world: World, load_lines, load_program
) -> None:
    """April and May were paid month by month; a return of an April order arrives in June;
    settling the quarter settles April, May and June — April's money moves once, on its own
    line, not again as an adjustment on May's or June's."""
    load_program(program_toml("MON", "retroactive", TIERS, settlement="month"))
    load_lines(sale("2020-04-10", "SO1", 120000), sale("2020-05-10", "SO2", 50000))
    rebates_settle(period="2020-04", approve=True)  # 3,600
    rebates_settle(period="2020-05", approve=True)  # 1,000
    load_lines(sale("2020-06-02", "RT1", -30000, quantity=-1, original="SO1"))
    quarter = rebates_settle(period="2020Q2")
    statement = _statement(quarter)
    lines = {(line.period, line.kind): line.payable for line in statement.lines.all()}
    assert lines == {
        ("2020-04", "current"): D("-1800.00"),  # 90k at 2 % = 1,800, less the 3,600 paid
        ("2020-05", "current"): D("0.00"),
        ("2020-06", "current"): D("0.00"),
    }
    assert statement.payable == D("-1800.00")
    # and settling July later restates nothing already restated and paid
    settlement_approve(settlement=quarter)
    assert _statement(rebates_settle(period="2020-07")).payable == 0


def test_two_months_later_an_earlier_quarter_is_adjusted_once(
    world: World, load_lines, load_program
) -> None:
    """A quarterly program settled for a year: Q1 paid earlier, a return of a Q1 order
    comes in Q3; settling 2020 settles Q1–Q4, so Q1's own line carries the change, once."""
    load_program(program_toml("VOL", "retroactive", TIERS))
    load_lines(sale("2020-02-10", "SO1", 120000))
    rebates_settle(period="2020Q1", approve=True)
    load_lines(sale("2020-08-02", "RT1", -30000, quantity=-1, original="SO1"))
    year = _statement(rebates_settle(period="2020"))
    assert not year.lines.filter(kind="adjustment").exists()
    assert year.payable == D("-1800.00")
