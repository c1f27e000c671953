"""A teacher's own quiz, in real browsers: built in the editor, kept, hosted and played.

The editor on /create builds a quiz with every kind the server plays (read from
the page, so a kind added to the deck format is built too), shows the server's
problems beside the field they name, keeps the quiz across a reload, exports
it as YAML that loads back unchanged, and hosts it from the host page's deck
picker for two phones to play.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import yaml
from PIL import Image
from playwright.sync_api import Page, expect
from thaw.content.loader import load_deck, parse_deck
from thaw.shared.resources import decks_dir

LAPTOP = {"viewport": {"width": 1280, "height": 720}, "device_scale_factor": 1}
TABLET = {"viewport": {"width": 820, "height": 1180}, "is_mobile": True, "has_touch": True, "device_scale_factor": 1}
TITLE = "Our <b>own</b> quiz"


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 40), (40, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def ready(page: Page) -> None:
    """The server's check passes (on failure, the problems it lists are in the message)."""
    head = page.locator("#ed-check .ed-check-head")
    try:
        expect(head).to_have_text("✓ Ready to host", timeout=15_000)
    except AssertionError:
        raise AssertionError(page.locator("#ed-check").inner_text()) from None


def kinds_of(page: Page) -> list[str]:
    kinds: list[str] = page.evaluate("JSON.parse(document.body.dataset.form).kinds")
    return kinds


def saved_deck(page: Page) -> dict[str, Any]:
    """The quiz as the library keeps it (IndexedDB), read through the page's own module."""
    deck: dict[str, Any] = page.evaluate(
        """async () => {
            const store = await import("/static/js/deckstore.js");
            const uid = decodeURIComponent(location.hash.slice("#edit/".length));
            return (await store.getQuiz(uid)).deck;
        }"""
    )
    return deck


def fill_rows(page: Page, q: int, name: str, texts: list[str]) -> None:
    for i, text in enumerate(texts):
        if page.locator(f"#q{q}-{name}-{i}").count() == 0:
            page.locator(f"#q{q}-{name}-add").click()
        page.locator(f"#q{q}-{name}-{i}").fill(text)


def build_question(page: Page, q: int, kind: str) -> None:
    """Fill in question `q` (already added as `kind`) through the form."""
    prompt = page.locator(f"#q{q}-prompt")
    if kind == "choice":
        prompt.fill("Which planet is known as the red planet?")
        fill_rows(page, q, "options", ["Venus", "Mars", "Jupiter", "Saturn"])
        page.locator(f"#q{q}-correct-1").check()
        page.locator(f"#q{q}-explanation").fill("Iron oxide on its surface makes Mars look red.")
        page.locator(f"#q{q}-image").set_input_files(
            files=[{"name": "mars.png", "mimeType": "image/png", "buffer": png_bytes()}])
        expect(page.locator(f"#q{q}-image-size")).to_contain_text(re.compile(r"Image, \d+ bytes"))
        page.locator(f"#q{q}-image-phones").check()
    elif kind == "truefalse":
        prompt.fill("Water boils at 100 °C at sea level.")
        page.locator(f"#q{q}-tf-true").check()
        page.locator(f"#q{q}-points").select_option("2000")
    elif kind == "multi":
        prompt.fill("Which of these are mammals?")
        fill_rows(page, q, "options", ["Whale", "Shark", "Bat", "Trout"])
        page.locator(f"#q{q}-correct-0").check()
        page.locator(f"#q{q}-correct-2").check()
    elif kind == "order":
        prompt.fill("Put these numbers in order, smallest first.")
        fill_rows(page, q, "items", ["One", "Two", "Three", "Four"])
    elif kind == "number":
        prompt.fill("How many legs does a spider have?")
        page.locator(f"#q{q}-answer").fill("8")
        page.locator(f"#q{q}-min").fill("0")
        page.locator(f"#q{q}-max").fill("20")
        page.locator(f"#q{q}-step").fill("1")
    elif kind == "text":
        prompt.fill("What colour is a clear daytime sky?")
        fill_rows(page, q, "accept", ["blue", "sky blue"])
    elif kind == "poll":
        prompt.fill("Did you enjoy this quiz?")
        fill_rows(page, q, "options", ["Yes", "Somewhat", "No"])
        page.locator(f"#q{q}-options-3").locator("xpath=..").get_by_role("button", name=re.compile("^Remove")).click()
    else:
        raise AssertionError(f"the test does not know how to build a {kind} question")
    page.locator(f"#q{q}-time_limit").fill("60")


def answer(ui: Any, phone: Page, kind: str, right: bool, last: bool = False) -> bool:
    """Answer the open question on `phone`; False when this kind is left to the host to close."""
    option = ui.option
    if kind == "choice":
        option(phone, "Mars" if right else "Venus").tap()
    elif kind == "truefalse":
        option(phone, "True" if right else "False").tap()
    elif kind == "order":
        for word in (["One", "Two", "Three", "Four"] if right else ["Two", "One", "Three", "Four"]):
            option(phone, word).tap()
        phone.get_by_role("button", name="Submit order").tap()
    elif kind == "number":
        slider = phone.locator("#number-slider")
        slider.focus()
        phone.keyboard.press("Home")
        for _ in range(8 if right else 3):
            phone.keyboard.press("ArrowRight")
        phone.get_by_role("button", name=re.compile(r"^Submit \d+$")).tap()
    elif kind == "text":
        phone.locator("#text-answer").fill("Blue" if right else "green")
        phone.locator("#text-answer").press("Enter")
    elif kind == "poll":
        option(phone, "Yes").tap()
    else:
        return False
    if not last:  # the last answer of the room goes straight to the reveal
        ui.screen(phone, "locked")
    return True


def test_build_keep_host_and_play_every_kind(ui, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = ui.page(LAPTOP)
    # The editor is reachable from the host page.
    page.goto(f"{ui.base}/host")
    page.get_by_role("link", name="Create or import a quiz").click()
    expect(page).to_have_url(re.compile(r"/create$"))
    ui.screen(page, "library")
    expect(page.locator(".lib-empty")).to_have_text("No quizzes yet. Make a new one or import a file.")
    page.get_by_role("button", name="New quiz").click()
    ui.screen(page, "editor")
    expect(page.locator("#deck-title")).to_be_focused()
    page.locator("#deck-title").fill(TITLE)
    page.locator("#deck-description").fill("Made in the browser for the tests.")
    expect(page.locator("#deck-id")).to_have_value("our-b-own-b-quiz")

    kinds = kinds_of(page)
    assert {"choice", "truefalse", "order", "number", "text", "poll"} <= set(kinds), kinds
    # The new quiz starts with one choice question; add one of every other kind.
    for kind in kinds[1:]:
        page.locator(f"#add-{kind}").click()
        expect(page.locator(".ed-card")).to_have_count(kinds.index(kind) + 1)
    # A question not typed in yet says how much is left, not a problem under every empty field.
    waiting = page.locator(".ed-card[data-index='1'] .field-msg-waiting")
    expect(waiting).to_have_text(re.compile(r"^New question: \d+ things? to fill in\.$"))
    expect(page.locator(".ed-card[data-index='1'] .field-msg-problem")).to_have_count(0)
    for q, kind in enumerate(kinds):
        expect(page.locator(f"#q{q}-kind")).to_have_value(kind)
        build_question(page, q, kind)
    ready(page)

    # The authoring lints come back as advice beside the field: a true/false for double points.
    tip = page.locator(".ed-field[data-q='1'][data-field='points'] .field-msg-warning")
    expect(tip).to_contain_text("1000 points")
    expect(page.locator("#ed-check .ed-advice summary")).to_have_text(re.compile(r"^\d+ tips? to make it better$"))

    # Live validation: an emptied prompt is named beside its field, and clears when fixed.
    page.locator("#q1-prompt").fill("")
    msg = page.locator(".ed-field[data-q='1'][data-field='prompt'] .field-msg-problem")
    expect(msg).to_contain_text("prompt")
    expect(page.locator("#q1-prompt")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#ed-check .ed-check-head")).to_have_text("1 problem to fix before hosting")
    ui.shot(page, "editor-problem-1280x720")
    page.locator("#q1-prompt").fill("Water boils at 100 °C at sea level.")
    expect(msg).to_have_count(0)
    expect(page.locator("#ed-check .ed-check-head")).to_have_text("✓ Ready to host")

    # Duplicate, reorder by keyboard and by button, delete: the list ends as it began.
    before = [q["prompt"] for q in saved_deck_after_save(page)["questions"]]
    page.get_by_role("button", name="Duplicate question 1").click()
    expect(page.locator(".ed-card")).to_have_count(len(kinds) + 1)
    expect(page.locator("#q1-prompt")).to_be_focused()
    expect(page.locator("#q1-prompt")).to_have_value(before[0])
    page.locator("#q1-prompt").press("Alt+ArrowDown")
    expect(page.locator("#q2-prompt")).to_be_focused()
    expect(page.locator("#q2-prompt")).to_have_value(before[0])
    expect(page.locator("#q1-prompt")).to_have_value(before[1])
    page.get_by_role("button", name="Move question 3 up").click()
    expect(page.locator("#q1-prompt")).to_have_value(before[0])
    page.get_by_role("button", name="Delete question 2").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".ed-card")).to_have_count(len(kinds))
    assert [q["prompt"] for q in saved_deck_after_save(page)["questions"]] == before

    ui.audit(page, "editor at 1280x720")
    page.locator("#q0-prompt").scroll_into_view_if_needed()
    ui.shot(page, "editor-1280x720")

    # Save, reload: nothing is lost.
    deck = saved_deck_after_save(page)
    page.reload()
    ui.screen(page, "editor")
    expect(page.locator("#deck-title")).to_have_value(TITLE)
    expect(page.locator("#q0-options-1")).to_have_value("Mars")
    expect(page.locator("#q0-correct-1")).to_be_checked()
    expect(page.locator(".ed-card")).to_have_count(len(kinds))
    assert saved_deck(page) == deck
    assert [q["kind"] for q in deck["questions"]] == kinds
    assert deck["questions"][0]["image"].startswith("data:image/png;base64,")
    assert deck["questions"][0]["image_on_phones"] is True
    expect(page.locator("#ed-check .ed-check-head")).to_have_text("✓ Ready to host")

    # Export: a question has an image, so a zip of the deck and the image beside it,
    # laid out as in content/: the deck loads (image included) and checks clean.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export", exact=True).click()
    assert download.value.suggested_filename == "our-b-own-b-quiz.zip"
    folder = tmp_path / "content"
    with zipfile.ZipFile(download.value.path()) as archive:
        assert sorted(archive.namelist()) == ["our-b-own-b-quiz-1.png", "our-b-own-b-quiz.yaml"]
        archive.extractall(folder)
    assert (folder / "our-b-own-b-quiz-1.png").read_bytes() == png_bytes()
    exported = yaml.safe_load((folder / "our-b-own-b-quiz.yaml").read_text(encoding="utf-8"))
    assert exported == {**deck, "questions": [{**deck["questions"][0], "image": "our-b-own-b-quiz-1.png"},
                                              *deck["questions"][1:]]}
    loaded = load_deck(folder / "our-b-own-b-quiz.yaml")
    assert [q.prompt for q in loaded.questions] == [q["prompt"] for q in deck["questions"]]

    # The library lists it (the title as text) and finds it by a word of a prompt.
    page.get_by_role("link", name="Your quizzes").click()
    ui.screen(page, "library")
    expect(page.locator(".lib-title")).to_have_text([TITLE])
    page.get_by_label("Search your quizzes").fill("spider")
    expect(page.locator(".lib-title")).to_have_text([TITLE])
    page.get_by_label("Search your quizzes").fill("volcano")
    expect(page.locator(".lib-empty")).to_have_text("No quiz matches your search.")
    page.get_by_label("Search your quizzes").fill("")
    # Duplicate, then delete the copy (after a confirmation).
    page.get_by_role("button", name=f"Duplicate: {TITLE}").click()
    expect(page.locator(".lib-title")).to_have_text([f"{TITLE} (copy)", TITLE])
    ui.audit(page, "library")
    ui.shot(page, "library-1280x720")
    page.get_by_role("button", name=f"Delete: {TITLE} (copy)").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".lib-title")).to_have_text([TITLE])

    # Host it from the library; the host page has it picked.
    page.get_by_role("link", name=f"Host: {TITLE}").click()
    expect(page.locator(".own-decks .deck-title")).to_have_text([TITLE])
    expect(page.locator(".own-decks input[name=deck]")).to_be_checked()
    ui.audit(page, "host setup with the teacher's quizzes")
    page.locator(".own-decks").scroll_into_view_if_needed()
    ui.shot(page, "host-setup-own-decks")
    page.get_by_role("button", name="Create game").click()
    ui.screen(page, "lobby")
    code = page.locator(".room-code").inner_text().replace(" ", "")
    expect(page.locator(".lobby-title")).to_have_text(TITLE)

    anna, boris = ui.phone(), ui.phone()
    ui.join(anna, code, "Anna")
    ui.join(boris, code, "Boris")
    expect(page.locator("#lobby-count")).to_have_text("2 players")
    page.keyboard.press("Space")
    for q, kind in enumerate(kinds):
        ui.screen(page, "question")
        expect(page.locator(".q-count")).to_have_text(f"Question {q + 1} of {len(kinds)}")
        expect(page.locator(".q-title")).to_have_text(deck["questions"][q]["prompt"])
        ui.screen(anna, "question")
        if q == 0:
            # The image, re-encoded by the server, on the projector and (as the quiz says) on the phones.
            for screen in (page, anna):
                picture = screen.locator(".q-figure img")
                expect(picture).to_have_attribute("src", re.compile(r"^/media/\d{6}/[0-9a-f]{32}\.(png|jpg)$"))
                screen.wait_for_function("() => document.querySelector('.q-figure img')?.naturalWidth === 64")
            ui.shot(page, "host-question-image")
            ui.shot(anna, "phone-question-image")
        else:
            expect(page.locator(".q-figure")).to_have_count(0)
        answered = answer(ui, anna, kind, right=True)
        if answered:
            answer(ui, boris, kind, right=False, last=True)
        else:
            page.get_by_role("button", name=re.compile("^Close answers")).click()
        ui.screen(page, "reveal")
        ui.screen(anna, "result")
        if answered and kind != "poll":
            expect(anna.locator(".result h1")).to_have_text("Correct!")
            expect(boris.locator(".result h1")).to_have_text("Not quite")
        if kind == "choice":
            expect(page.locator(".explanation")).to_contain_text("Iron oxide")
        page.keyboard.press("Space")
        ui.screen(page, "scoreboard")
        page.keyboard.press("Space")
    ui.screen(page, "finished")
    expect(page.locator(".step-1 .step-name")).to_have_text("Anna")
    ui.screen(anna, "finished")


def saved_deck_after_save(page: Page) -> dict[str, Any]:
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#ed-saved")).to_contain_text("Saved in this browser at")
    return saved_deck(page)


def test_editor_on_a_tablet(ui) -> None:  # type: ignore[no-untyped-def]
    page = ui.page(TABLET)
    page.goto(f"{ui.base}/create")
    page.get_by_role("button", name="New quiz").tap()
    ui.screen(page, "editor")
    page.locator("#deck-title").fill("Tablet quiz")
    page.locator("#q0-prompt").fill("Which is a prime number?")
    fill_rows(page, 0, "options", ["4", "6", "7", "9"])
    page.locator("#q0-correct-2").tap()
    page.locator("#add-number").tap()
    page.locator("#q1-prompt").fill("How many sides has a hexagon?")
    page.locator("#q1-answer").fill("6")
    page.locator("#q1-max").fill("12")
    ready(page)
    expect(page.locator("#live")).to_have_text("Ready to host")  # the verdict is spoken, not the whole list
    ui.audit(page, "editor on a tablet")
    page.locator("#deck-title").scroll_into_view_if_needed()
    ui.shot(page, "editor-tablet-820x1180")
    # A problem is shown beside its field on the tablet too.
    page.locator("#q1-answer").fill("13")
    expect(page.locator(".ed-field[data-q='1'][data-field='answer'] .field-msg-problem")).to_be_visible()
    page.locator("#q1-answer").scroll_into_view_if_needed()
    ui.shot(page, "editor-tablet-problem")
    # A reload straight after a keystroke (before the pause that saves) keeps it.
    page.locator("#q0-prompt").fill("Which of these is a prime number?")
    page.reload()
    ui.screen(page, "editor")
    expect(page.locator("#q0-prompt")).to_have_value("Which of these is a prime number?")
    # A problem with the deck id opens the folded section that holds the field.
    page.locator(".ed-more summary").tap()
    page.locator("#deck-id").fill("Not An Id")
    page.locator(".ed-more summary").tap()
    expect(page.locator(".ed-more")).to_have_attribute("open", "")
    expect(page.locator(".ed-field[data-q='deck'][data-field='id'] .field-msg-problem")).to_be_visible()


def test_yaml_export_gives_back_every_shipped_deck(ui) -> None:  # type: ignore[no-untyped-def]
    """The exporter writes the content/ format: each shipped deck loads back unchanged and checks clean."""
    page = ui.page(LAPTOP)
    page.goto(f"{ui.base}/create")
    ui.screen(page, "library")
    files = sorted(decks_dir().glob("*.yaml"))
    assert files, "no shipped decks"
    for path in files:
        original = yaml.safe_load(path.read_text(encoding="utf-8"))
        text: str = page.evaluate(
            "async (deck) => (await import('/static/js/deckyaml.js')).deckToYaml(deck)", original)
        assert yaml.safe_load(text) == original, path.name
        _, problems = parse_deck(text, path.name)
        assert problems == [], (path.name, problems)
        # Same layout as the file: the same keys start the same lines, in the same order.
        keys = [line.split(":")[0] for line in text.splitlines() if re.match(r"^ {0,4}(- )?[a-z_]+:", line)]
        file_keys = [line.split(":")[0] for line in path.read_text(encoding="utf-8").splitlines()
                     if re.match(r"^ {0,4}(- )?[a-z_]+:", line)]
        assert keys == file_keys, path.name
    awkward = {
        "id": "awkward", "title": "yes", "description": "a: b # c",
        "notes": "first\n  indented\n\nlast",
        "questions": [{"kind": "choice", "prompt": "x\u2028y\u0085z", "options": ["1:20", "2001-12-14", "on", "~"],
                       "correct": ["on"], "time_limit": 30}],
    }
    text = page.evaluate("async (deck) => (await import('/static/js/deckyaml.js')).deckToYaml(deck)", awkward)
    assert yaml.safe_load(text) == json.loads(json.dumps(awkward)), text


def test_host_page_lists_a_refused_quiz_s_problems(ui) -> None:  # type: ignore[no-untyped-def]
    """A quiz the server refuses (422) is not hosted: each problem is listed with its question and field."""
    page = ui.page(LAPTOP)
    page.goto(f"{ui.base}/create")
    ui.screen(page, "library")
    uid = page.evaluate(
        """async (deck) => {
            const store = await import("/static/js/deckstore.js");
            const uid = store.newUid();
            await store.putQuiz(uid, deck);
            return uid;
        }""",
        {"id": "broken", "title": "<script>alert(1)</script>", "questions": [
            {"kind": "choice", "prompt": "", "options": ["A", "B"], "correct": "C"},
            {"kind": "number", "prompt": "How many?", "min": 5, "max": 1},
        ]},
    )
    page.goto(f"{ui.base}/host?quiz={uid}")
    expect(page.locator(".own-decks .deck-title")).to_have_text(["<script>alert(1)</script>"])
    page.get_by_role("button", name="Create game").click()
    error = page.locator(".setup .form-error")
    expect(error).to_contain_text(re.compile(r"This quiz cannot be hosted yet: \d+ problems to fix\."))
    items = error.locator(".room-problems li")
    expect(items.first).to_be_visible()
    texts = items.all_inner_texts()
    assert any(t.startswith("Question 1 · prompt: ") for t in texts), texts
    assert any(t.startswith("Question 1 · correct: ") for t in texts), texts
    assert any(t.startswith("Question 2 · ") for t in texts), texts
    ui.screen(page, "setup")
    ui.audit(page, "host setup with a refused quiz")
    error.scroll_into_view_if_needed()
    ui.shot(page, "host-refused-quiz")
    # The link opens the quiz in the editor, where the same problems sit beside their fields.
    error.get_by_role("link", name="Fix it in the editor").click()
    ui.screen(page, "editor")
    expect(page).to_have_url(re.compile(rf"/create#edit/{uid}$"))
    expect(page.locator(".ed-field[data-q='0'][data-field='prompt'] .field-msg-problem")).to_be_visible()


def test_multi_select_card_keeps_every_right_option(ui) -> None:  # type: ignore[no-untyped-def]
    """The multi-select card (offered when the deck format has `multi`) keeps the ticked options as a list.

    The page is served with `multi` among its kinds whether or not this server
    plays it yet: the card is the editor's part, the check is the server's.
    """
    page = ui.page(LAPTOP)

    def with_multi(route: Any) -> None:
        response = route.fetch()
        body = response.text()
        if "&#34;multi&#34;" not in body:
            body = body.replace("&#34;kinds&#34;:[", "&#34;kinds&#34;:[&#34;multi&#34;,", 1)
        route.fulfill(response=response, body=body)

    page.route(re.compile(r"/create$"), with_multi)
    page.goto(f"{ui.base}/create")
    page.get_by_role("button", name="New quiz").click()
    ui.screen(page, "editor")
    page.locator("#deck-title").fill("Mammals")
    page.locator("#q0-prompt").fill("Which of these are mammals?")
    fill_rows(page, 0, "options", ["Whale", "Shark", "Bat", "Trout"])
    page.locator("#q0-correct-0").check()
    page.locator("#q0-correct-2").check()
    assert saved_deck_after_save(page)["questions"][0]["correct"] == ["Whale", "Bat"]
    # Choice -> multi keeps the options and makes the right ones a list; back again, a list of two stays.
    page.locator("#q0-kind").select_option("multi")
    expect(page.locator("#q0-kind")).to_be_focused()
    expect(page.locator("#q0-options-2")).to_have_value("Bat")
    expect(page.locator("#q0-correct-2")).to_be_checked()
    page.locator("#q0-correct-0").uncheck()
    question = saved_deck_after_save(page)["questions"][0]
    assert question == {"kind": "multi", "prompt": "Which of these are mammals?",
                        "options": ["Whale", "Shark", "Bat", "Trout"], "correct": ["Bat"]}, question
    page.locator("#q0-kind").select_option("poll")
    question = saved_deck_after_save(page)["questions"][0]
    assert question == {"kind": "poll", "prompt": "Which of these are mammals?",
                        "options": ["Whale", "Shark", "Bat", "Trout"]}, question
    expect(page.locator("#q0-correct-0")).to_have_count(0)
