"""The letters a jurisdiction sees: ``letters`` asks the scope binding's question in its subquery
form (two index lookups instead of an OR over two joins); the rows are the same."""

from __future__ import annotations

import datetime as dt

from shuniu.accounts.scopes import Scope
from shuniu.cases.services import case_act
from shuniu.transfers.models import RelationLetter
from shuniu.transfers.selectors import letter_search, letters
from shuniu.transfers.services import incoming_register, letter_issue, outgoing_record
from tests.factories import SYSTEM, PartyOrgFactory, make_id_number
from tests.transfers.test_letters import world  # noqa: F401


def test_letters_of_a_scope_are_those_of_its_binding(world):  # noqa: F811
    here, there, committee = world["here"], world["there"], world["committee"]
    m = world["members"]
    letter_issue(actor=SYSTEM, member=m[0], to_org=there)
    received = letter_issue(actor=SYSTEM, member=m[1], to_org=there)
    case_act(actor=SYSTEM, case=received, action="confirm", data={"received_on": dt.date.today().isoformat()})
    letter_issue(actor=SYSTEM, member=world["there_members"][0], to_org=here)
    outgoing_record(actor=SYSTEM, member=m[2], number="沪1", to_elsewhere="上海某党委", issued_on=dt.date.today())
    incoming_register(actor=SYSTEM, to_org=there, number="宁1", from_elsewhere="南京某党委",
                      issued_on=dt.date.today(), received_on=dt.date.today(),
                      person={"name": "转入者", "gender": "male", "status": "full", "id_number": make_id_number(77),
                              "admitted_on": dt.date(2015, 1, 1), "full_on": dt.date(2016, 1, 1)})
    other = PartyOrgFactory(name="无关党支部", superior=committee)
    assert RelationLetter.objects.count() == 5
    scopes = [Scope.of_region(code) for code in ("32", "3204", "320404", "320404006", "11", "110105", "44")]
    scopes += [Scope("party", party_path=po.path) for po in (here, there, committee, other)]
    scopes += [Scope.nothing()]
    for scope in scopes:
        expected = set(scope.filter(RelationLetter.objects.all()).values_list("pk", flat=True))
        assert set(letters(scope).values_list("pk", flat=True)) == expected, scope
        assert set(letter_search(scope).values_list("pk", flat=True)) == expected, scope
    assert letters(Scope.of_region("320404")).count() == 4 and letters(Scope.of_region("44")).count() == 0


def test_a_page_of_letters_is_the_same_read_in_two_steps(world, django_assert_num_queries):  # noqa: F811
    for member in world["members"]:
        letter_issue(actor=SYSTEM, member=member, to_org=world["there"])
    RelationLetter.objects.update(issued_on=dt.date(2026, 1, 1))  # the order then rests on the id
    scope = Scope.of_region("320404")
    plain = list(RelationLetter.objects.filter(member__in=world["members"]).order_by("-issued_on", "-id")
                 .values_list("pk", flat=True))
    for start, stop in ((0, 2), (1, 3), (2, 10)):
        with django_assert_num_queries(2):  # the ids of the page, then the rows with their related rows
            page = list(letter_search(scope)[start:stop])
            assert [letter.member.name for letter in page] and all(letter.from_org.name for letter in page)
        assert [letter.pk for letter in page] == plain[start:stop]
    assert letter_search(scope).count() == len(plain)
