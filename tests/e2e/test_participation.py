"""Ning Lai Shuo in the browser: a suggestion to its published outcome, a consultation from
statements to an opinion map, a draft-law consultation to its submission document."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

from pypdf import PdfReader

CAMP_A = {0: "agree", 1: "agree", 2: "agree", 3: "disagree", 4: "disagree", 5: "disagree"}
CAMP_B = {0: "disagree", 1: "disagree", 2: "disagree", 3: "agree", 4: "agree", 5: "agree"}
STATEMENTS = [
    "应保留小区里的大树",
    "应增加绿化面积",
    "停车位不应占用绿地",
    "应把部分绿地改成停车位",
    "应允许夜间路边停车",
    "停车难比绿化更要紧",
    "应公开停车位分配方案",
    "改造前应征求全体居民意见",
]


def switch_user(page: Any, login: Any, username: str) -> None:
    page.context.clear_cookies()
    login(username)


def test_a_resident_follows_a_suggestion_to_its_published_outcome(page: Any, login: Any) -> None:
    login("resident")
    page.goto("/participation/suggest/")
    assert page.locator("h1").inner_text() == "我要建言"
    page.select_option("#id_channel", "platform")
    page.fill("#id_title", "小区门口增设非机动车停放架")
    page.fill("#id_body", "小区门口电动自行车乱停，建议增设停放架。")
    page.uncheck("#id_anonymous")
    page.wait_for_selector("#place-map[data-ready=true]")
    box = page.locator("#place-map").bounding_box()  # the district, drawn to fit the box
    page.click("#place-map", position={"x": box["width"] * 0.6, "y": box["height"] * 0.5})
    assert page.input_value("#id_lon")
    page.click("[data-testid=submit-suggestion]")
    page.wait_for_url(re.compile(r"/participation/s/NL\d{4}-\d{6}/$"))
    number = page.locator("[data-testid=suggestion-number]").inner_text()
    assert "已受理" in page.content()

    switch_user(page, login, "dispatcher")
    page.goto("/participation/staff/")
    page.click(f"text={number}")
    page.select_option("#id_department", "greening")
    page.click("[data-testid=route]")
    page.wait_for_selector(".message")
    assert "区绿化和市容管理局" in page.locator("[class=timeline]").inner_text()

    switch_user(page, login, "greening")
    page.goto(f"/participation/staff/s/{number}/")
    page.select_option("#id_outcome", "adopted")
    page.fill("#id_reply", "感谢建议，已在小区门口增设停放架两处。")
    page.fill("#id_action_taken", "增设非机动车停放架两处。")
    page.click("[data-testid=answer]")
    page.wait_for_selector(".message")

    switch_user(page, login, "resident")
    page.goto("/participation/mine/")
    page.click(f"[data-testid=notices] >> text={number}")
    page.wait_for_url(f"**/participation/s/{number}/")
    assert page.locator("[data-testid=outcome]").inner_text() == "采纳"
    assert "增设非机动车停放架两处" in page.locator("[data-testid=reply]").inner_text()
    assert "按时答复" in page.locator("[data-testid=reply]").inner_text()
    # The accountability page lists it with its outcome, for anyone.
    page.context.clear_cookies()
    page.goto("/participation/accountability/?outcome=adopted")
    assert number in page.locator("#accountability-suggestions").inner_text()


def vote_through(page: Any, camp: dict[int, str]) -> None:
    """Vote on every statement the card shows, one at a time."""
    for _ in range(20):
        card = page.locator("[data-testid=vote-card]")
        if card.locator("[data-testid=all-voted]").count():
            return
        statement = card.locator("[data-testid=statement]")
        number = int(statement.get_attribute("data-number"))
        page.click(f"[data-testid=vote-{camp.get(number, 'agree')}]")
        page.wait_for_function(
            "n => !document.querySelector(`[data-testid=statement][data-number='${n}']`)",
            arg=number,
        )
    raise AssertionError("the vote card never ran out of statements")


def test_a_consultation_runs_from_statements_to_an_opinion_map(page: Any, login: Any) -> None:
    login("dispatcher")
    page.goto("/participation/c/new/")
    page.fill("#id_title", "小区绿地与停车（浏览器测试）")
    page.fill("#id_question", "小区改造，绿地和停车位怎么平衡？")
    page.select_option("#id_channel", "platform")
    page.fill("#id_statements", "\n".join(STATEMENTS[:6]))
    page.click("[data-testid=create-consultation]")
    page.wait_for_url(re.compile(r"/participation/c/\d+/manage/$"))
    manage_url = page.url
    consultation_url = manage_url.removesuffix("manage/")
    page.fill("#id_text", STATEMENTS[6])
    page.click("[data-testid=add-statement]")
    page.wait_for_selector(".message")

    # A resident writes a statement; it waits for the moderator.
    switch_user(page, login, "resident")
    page.goto(consultation_url)
    page.click("text=写下您自己的观点")
    page.fill("#id_text", STATEMENTS[7])
    page.click("[data-testid=write-statement]")
    page.wait_for_selector(".message")
    switch_user(page, login, "dispatcher")
    page.goto(manage_url)
    page.click("[data-testid=accept-7]")
    page.wait_for_selector(".message")

    for username, camp in [
        ("resident", CAMP_A),
        ("gridworker", CAMP_A),
        ("planner", CAMP_A),
        ("merchant", CAMP_B),
        ("notary", CAMP_B),
        ("regulator", CAMP_B),
    ]:
        switch_user(page, login, username)
        page.goto(consultation_url)
        vote_through(page, camp)

    page.click("text=查看观点地图")
    page.wait_for_selector("svg.opinion-map")
    groups = page.locator("[data-testid=groups] li").all_inner_texts()
    assert len(groups) == 2 and all("3 人" in g for g in groups), groups
    assert page.locator("svg.opinion-map circle").count() == 6  # every voter
    assert STATEMENTS[7] in page.locator("[data-testid=consensus]").inner_text()
    assert "同意" in page.locator("[data-testid=group-A]").inner_text()
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=en]")
    assert "What each group thinks" in page.content()
    page.click("[data-testid=lang-switch]")
    page.wait_for_selector("html[lang=zh-hans]")


DRAFT = """第一章 总则
第一条 为了规范社区微更新，制定本办法。
第二条 居民可以对社区微更新方案提出意见，意见征集期一般为七日。
第三条 本办法自公布之日起施行。
"""


def test_a_draft_law_consultation_produces_its_submission(page: Any, login: Any) -> None:
    login("liaison")
    page.goto("/participation/laws/new/")
    page.fill("#id_title", "社区微更新办法（浏览器测试草案）")
    page.fill("#id_legislature", "市人大常委会法工委（测试）")
    page.fill("#id_text", DRAFT)
    page.fill("#id_closes_on", (date.today() + timedelta(days=20)).isoformat())
    page.click("[data-testid=create-draft]")
    page.wait_for_url(re.compile(r"/participation/laws/\d+/$"))
    draft_url = page.url
    assert page.locator("[data-testid=article-3]").count() == 1

    for username, text, wording in [
        ("resident", "七日太短，建议延长到十五日。", "意见征集期一般为十五日。"),
        ("gridworker", "七日太短了，建议延长到十五日", "意见征集期一般不少于十五日。"),
    ]:
        switch_user(page, login, username)
        page.goto(draft_url)
        article = page.locator("[data-testid=article-2]")
        article.locator("summary").click()
        article.locator("input[value=propose]").check()
        article.locator("textarea[name=text]").fill(text)
        article.locator("textarea[name=proposed_wording]").fill(wording)
        article.locator("[data-testid=comment-2]").click()
        page.wait_for_selector(".message")

    switch_user(page, login, "liaison")
    page.goto(draft_url + "manage/")
    page.fill("textarea[name=summary]", "意见征集期延长至十五日")
    page.click("[data-testid=accept-group]")
    page.wait_for_selector(".message")
    page.click("[data-testid=close-comment]")
    page.wait_for_selector("[data-testid=submit-draft]")
    page.click("[data-testid=submit-draft]")
    page.wait_for_selector(".message")

    page.goto(draft_url)
    assert page.locator("[data-testid=draft-status]").inner_text() == "已报送立法机关"
    with page.expect_download() as download:
        page.click("[data-testid=submission-pdf]")
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "意见征集期延长至十五日" in text and "社区微更新办法" in text
    page.click("[data-testid=submission-html]")
    assert "意见征集期延长至十五日（2条意见）" in page.content()
    assert page.locator("#counts tbody tr").count() == 3

    # The law is passed: record what it adopted and tell everyone who commented.
    page.goto(draft_url + "manage/")
    page.locator("select[name=adoption]").select_option("adopted")
    page.locator("input[name=note]").fill("第二条改为十五日。")
    page.locator("[data-testid^=adoption-]").click()
    page.wait_for_selector(".message")
    page.fill("#id_adopted_on", date.today().isoformat())
    page.click("[data-testid=publish-adoption]")
    page.wait_for_selector(".message")
    switch_user(page, login, "gridworker")
    page.goto("/participation/mine/")
    page.click("[data-testid=notices] >> text=社区微更新办法")
    assert "第二条改为十五日" in page.locator("[data-testid=adoption]").inner_text()


def test_the_imported_vtaiwan_conversation_credits_its_source(page: Any) -> None:
    page.goto("/participation/c/")
    page.click("text=UberX")
    attribution = page.locator("[data-testid=attribution]").inner_text()
    assert "CC BY 4.0" in attribution and "pol.is/3phdex2kjf" in attribution
    page.click("[data-testid=map-link]")
    page.wait_for_selector("svg.opinion-map")
    assert page.locator("[data-testid=groups] li").count() >= 2
