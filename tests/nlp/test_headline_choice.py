"""Which header line is the headline (issue 20, real page copy): page furniture above the headline (section and
page-type labels, CMS fields, sidebar links, taglines, alt text, a logo), list pages without one, a headline after
a lead photo caption, and the line-shape helpers behind the choice. Every case has a negative twin: a real headline
that looks like furniture must stay the headline."""

import pytest

from dagster_project.nlp.parse import parse_file
from dagster_project.nlp.parse.document import find_date, is_chrome_label, is_header_field, is_label_like

STORY = ("NORFOLK, Va. -- The destroyer returned to port on Friday after a seven-month deployment to the Red Sea, "
         "where its crew shot down drones and missiles fired at merchant shipping, the Navy said in a statement.\n\n"
         "Families waited on the pier as the ship tied up, and the crew was given two weeks of leave.\n")


def _one(raw: str):  # type: ignore[no-untyped-def]
    [art] = parse_file(raw, "x.txt", "0" * 64)
    return art


@pytest.mark.parametrize(("line", "expected"), [
    ("Story Number: NNS180205-07", True),
    ("Story Number: NNS180205-07 Release Date: 2/5/2018 9:24:00 AM", True),
    ("FROM: U.S. DEPARTMENT OF DEFENSE", True),
    ("Location: ATLANTIC OCEAN", True),
    ("Tag Archives: deployed", True),
    ("Tag: Deputy Defense Secretary", True),
    # Headlines with a colon: the part after it is running text, or the part before it is no CMS field.
    ("A love story: Healing the wounded warrior", False),
    ("Defense News: USS Carney: a Destroyer at War", False),
    ("Update: three sailors rescued after collision", False),
    ("Iran: Talks Resume in Vienna", False),
])
def test_header_fields(line: str, expected: bool) -> None:
    assert is_header_field(line) is expected


@pytest.mark.parametrize(("line", "expected"), [
    ("Photos", True),
    ("Article Display", True),
    ("News Article View", True),
    ("Commentary Search", True),
    ("Share Print", True),
    ("Drill Duty", False),
    ("All Hands on Deck", False),
    ("World Leaders Meet in Rome", False),
])
def test_page_chrome_labels(line: str, expected: bool) -> None:
    assert is_chrome_label(line) is expected


@pytest.mark.parametrize(("line", "expected"), [
    ("Daily Press Briefing", True),
    ("3rd Combat Aviation Brigade", True),
    ("Drill Duty", True),
    ("Forgot Password?", True),
    ("Black Hearts train under cover of night", False),
    ("All Hands on Deck", False),
    ("F-16s Surge Over Fresno Skies", False),
])
def test_label_like_lines(line: str, expected: bool) -> None:
    assert is_label_like(line) is expected


@pytest.mark.parametrize(("header", "title"), [
    # Section and page-type labels above the headline.
    ("Photos\n\nDestroyer Returns From the Red Sea\n\n", "Destroyer Returns From the Red Sea"),
    ("News\nArticle Display\n\nDestroyer returns from the Red Sea\nPublished Aug. 4, 2023\nBy Jane Roe\n\n",
     "Destroyer returns from the Red Sea"),
    ("Commentaries\n\nFleet Readiness Desk\n\nDestroyer returns from the Red Sea\n\n", "Destroyer returns from the Red Sea"),
    # A CMS header (story number, release date) over the headline, or with no headline at all.
    ("Story Number: NNS180205-07\nRelease Date: 2/5/2018 9:24:00 AM\n\nDestroyer Returns From the Red Sea\n\n",
     "Destroyer Returns From the Red Sea"),
    ("Story Number: NNS180205-07\nRelease Date: 2/5/2018 9:24:00 AM\n\n", None),
    # Sidebar links above the story: the headline is the line that leads to it.
    ("Press Gaggle by the Press Secretary | The White House\n\nFROM: U.S. DEPARTMENT OF DEFENSE\n"
     "Destroyer Returns From the Red Sea\nFrom a U.S. Fleet Forces Command News Release\n\n",
     "Destroyer Returns From the Red Sea"),
    # A site's tagline and an image's alt text (short sentences) above a headline set as a label.
    ("Photos\n\nSnapshots of what is happening in the Defense Department.\n\nA gray ship sails into a harbor at dawn.\n\n"
     "Overdue Homecoming\n\n", "Overdue Homecoming"),
    # A logo's alt text and a form's fields are no headline; the line repeated further down is.
    ("Forgot Password?\n\nNaval Visual Service Logo\n\nDestroyer Returns to Norfolk After Seven Months in the Red Sea "
     "[Image 2 of 6]\n\nCity:\nState:\nDestroyer Returns to Norfolk After Seven Months in the Red Sea\n\n",
     "Destroyer Returns to Norfolk After Seven Months in the Red Sea [Image 2 of 6]"),
    # A long headline in capitals is not the story's first paragraph.
    ("DESTROYER RETURNS TO NORFOLK AFTER A SEVEN MONTH DEPLOYMENT TO THE RED SEA WHERE IT SHOT DOWN DRONES AND "
     "MISSILES\n\nSource: United States Navy\n\n",
     "DESTROYER RETURNS TO NORFOLK AFTER A SEVEN MONTH DEPLOYMENT TO THE RED SEA WHERE IT SHOT DOWN DRONES AND MISSILES"),
    # A name with a code in parentheses is a headline, not a captioned photo credit.
    ("USS Theodore Roosevelt (CVN-71)\n\n", "USS Theodore Roosevelt (CVN-71)"),
    # Real headlines that look like furniture stay headlines when nothing better is there.
    ("Drill Duty\n\n", "Drill Duty"),
    ("All Hands on Deck\n\n", "All Hands on Deck"),
    ("A love story: Healing the wounded warrior\n\nBy Senior Airman Jane Roe\nAir Force News Service\n\n",
     "A love story: Healing the wounded warrior"),
    # The first line still wins in plain copy: a sentence-case headline over a correspondent line and a deck.
    ("Destroyer flies home 300 sailors after a long deployment\n\nFrom our correspondent in Norfolk\n\n",
     "Destroyer flies home 300 sailors after a long deployment"),
    ("Destroyer home\n\nThe ship spent seven months shooting down drones over the Red Sea, its longest deployment.\n\n",
     "Destroyer home"),
    # A section name over a sentence-case headline (no full stop, so no deck): the headline leads to the story.
    ("Fighter F-18\n\n\nFighter F-18 crashed when landing on aircraft carrier\n\n",
     "Fighter F-18 crashed when landing on aircraft carrier"),
])
def test_the_headline_is_chosen_among_header_lines(header: str, title: str | None) -> None:
    assert _one(header + STORY).title == title


def test_furniture_above_the_headline_stays_out_of_the_text() -> None:
    art = _one("Photos\n\nSnapshots of what is happening in the Defense Department.\n\n"
               "A gray ship sails into a harbor at dawn.\n\nOverdue Homecoming\n\n" + STORY)
    assert art.text.startswith("Overdue Homecoming\n\nNORFOLK")
    assert "Snapshots" not in art.text and "gray ship" not in art.text


@pytest.mark.parametrize(("raw", "title"), [
    # A tag or category page: list items of headline length, each with its summary.
    ("News\n\n  \u2022 Destroyer returns from the Red Sea\n\n    The destroyer returned to port on Friday after a "
     "seven-month deployment to the Red Sea, the Navy said.\n\n  \u2022 Carrier leaves for the Pacific\n\n    The carrier "
     "left port on Monday for a scheduled deployment to the western Pacific, officials said.\n", None),
    # A blog's front page: headlines each over a teaser cut short.
    ("Combat Artists\n\nWhile training in Norway, soldiers may have glimpsed an unusual sight: an artist standing "
     "beside their formations with a sketch pad and [\u2026]\n\nOperation Hurricane\n\nSoldiers assist in the rescue "
     "of a simulated patient from the river during an emergency response exercise, named [\u2026]\n", None),
    # An author's page: headlines over teasers cut with an ellipsis.
    ("Jane Roe\n\nDestroyer returns from the Red Sea\n\nThe destroyer returned to port on Friday after a seven-month "
     "deployment, the Navy said, and its crew\u2026\n\n6 years ago\n\nCarrier leaves for the Pacific\n\nThe carrier left "
     "port on Monday for a scheduled deployment to the western Pacific, officials\u2026\n\n6 years ago\n", None),
    # A tag page: headlines each directly over their date.
    ("Home : News : News\nTag: Deputy Defense Secretary\n\nDestroyer returns from the Red Sea\nNovember 8, 2023\n"
     "A gray ship sails into a harbor.\n\nCarrier leaves for the Pacific\nSeptember 21, 2023\nA carrier at sea.\n", None),
    # One headline over its date line is a story.
    ("Destroyer returns from the Red Sea\nNovember 8, 2023\n\n" + STORY, "Destroyer returns from the Red Sea"),
    # A tag archive's label is no headline; the post under it is.
    ("Tag Archives: deployed\n\nDestroyer returns from the Red Sea\n\nBy Jane Roe\n\n" + STORY,
     "Destroyer returns from the Red Sea"),
    # One headline over a story that ends with a "Read more" link is still a story.
    ("Destroyer returns from the Red Sea\n\n" + STORY + "\nThe crew will be honoured next month. Read more\n",
     "Destroyer returns from the Red Sea"),
    # A headline over a bulleted summary is still the headline.
    ("Destroyer returns from the Red Sea\n\n\u2022 Seven months at sea\n\u2022 Dozens of drones shot down\n\n" + STORY,
     "Destroyer returns from the Red Sea"),
])
def test_list_pages_have_no_headline(raw: str, title: str | None) -> None:
    assert _one(raw).title == title


def test_headline_after_a_lead_photo_caption() -> None:
    raw = ("Sgt. Jane Roe\n3rd Combat Aviation Brigade\nPhotos by Sgt. Jane Roe\n"
           "Pilots fly their UH-60 Black Hawk helicopters over northern Georgia, Dec. 2. The Soldiers wore night vision "
           "goggles to see the terrain below them.\n\nNight riders train in the mountains\n\n"
           "The sun started to hide behind the horizon as the pilots circled up for the mission brief next to one of "
           "their helicopters, and the crew chiefs checked the aircraft one last time before nightfall.\n\n"
           "The company flew from Hunter Army Airfield to Gainesville, where they waited for the dark.\n")
    art = _one(raw)
    assert (art.title, art.author) == ("Night riders train in the mountains", "Jane Roe")
    assert "night vision goggles" not in art.text  # the caption is kept as a segment, out of the story's text
    assert [s.kind for s in art.segments][:5] == ["byline", "header", "credit", "caption", "title"]


def test_a_story_opening_without_a_caption_keeps_its_first_paragraph() -> None:
    # No photo credit above it: the short first paragraph is the story's, the line under it a subheading.
    raw = ("Destroyer returns\n\nThe destroyer returned to port on Friday, the Navy said in a statement.\n\n"
           "Drones and missiles\n\n" + STORY)
    art = _one(raw)
    assert art.title == "Destroyer returns"
    assert "returned to port on Friday, the Navy said" in art.text


@pytest.mark.parametrize(("line", "dated"), [
    ("Maintenance window scheduled to begin at February 14th 2200 est. until 0400 est. February 15th", False),
    ("Published February 14, 2024", True),
])
def test_a_clock_time_after_a_day_is_no_year(line: str, dated: bool) -> None:
    assert (find_date(line, ["en"]) is not None) is dated


def test_a_maintenance_notice_is_not_the_headline() -> None:
    raw = ("Maintenance window scheduled to begin at February 14th 2200 est. until 0400 est. February 15th\n\n"
           "Destroyer Returns From the Red Sea\n\n" + STORY)
    art = _one(raw)
    assert (art.title, art.published_date) == ("Destroyer Returns From the Red Sea", None)
