"""Header and CMS lines of real pages (issue 20): store date fields glued to the first line, Published/Updated lines,
bylines with ranks or after a date, government banners, site lines naming the outlet, wiki headings."""

import datetime as dt

from dagster_project.nlp.parse import parse_file

BODY = ("The frigate left port on Sunday for a six-month deployment to the Gulf, the navy said in a statement on Monday.\n\n"
        "It carries a crew of 190 sailors and two helicopters, officials said.\n")


def _one(raw: str):  # type: ignore[no-untyped-def]
    [art] = parse_file(raw, "x.txt", "0" * 64)
    return art


def test_store_date_field_glued_to_the_first_line() -> None:
    art = _one(" date 2020-05-17 " + BODY)
    assert art.published_date == dt.date(2020, 5, 17)
    assert art.text.startswith("The frigate left port")
    assert "2020-05-17" not in art.text


def test_published_and_updated_lines_date_the_report() -> None:
    assert _one("Frigate sails for the Gulf\nPublished: 17 May 2020\n\n" + BODY).published_date == dt.date(2020, 5, 17)
    assert _one("Frigate sails for the Gulf\nUpdated 17/05/2020 14:02\n" + BODY).published_date == dt.date(2020, 5, 17)


def test_wiki_and_markdown_headings_lose_their_marks() -> None:
    assert _one("= 2020 Atlantic storms =\n\n" + BODY).title == "2020 Atlantic storms"
    assert _one("== Fleet to grow ==\n\n" + BODY).title == "Fleet to grow"
    assert _one("## Frigate sails ##\n\n" + BODY).title == "Frigate sails"
    art = _one("= Storms =\n\n" + BODY + "\n== Damage ==\n\nThe storms destroyed several hangars at the coastal base, the air force said.\n")
    assert "==" not in art.text and "\n\nDamage\n\n" in art.text


def test_bylines_drop_ranks_and_units() -> None:
    assert _one("Frigate sails\n\nBy Tech. Sgt. Jane Roe\n\n" + BODY).author == "Jane Roe"
    assert _one("Frigate sails\n\nby Airman 1st Class Jane Roe\n23d Wing Public Affairs\n\n" + BODY).author == "Jane Roe"
    art = _one("Frigate sails\n\nBy Mass Communication Specialist 3rd Class Jane Roe USS Nimitz Public Affairs\n\n" + BODY)
    assert art.author == "Jane Roe"
    assert _one("Frigate sails\n\nBy Jane Roe, Staff Writer\n\n" + BODY).author == "Jane Roe"


def test_a_lone_by_line_joins_the_name_under_it() -> None:
    assert _one("Frigate sails\n\nBy\nLt. j.g. Jane Roe, Destroyer Squadron 26 Public Affairs\n\n" + BODY).author == "Jane Roe"


def test_byline_after_a_date_in_capitals_with_the_outlet() -> None:
    art = _one("Frigate sails for the Gulf\n\n Dec. 4, 2020 | BY JANE ROE , DOD News\n\n" + BODY)
    assert (art.published_date, art.author, art.outlet) == (dt.date(2020, 12, 4), "Jane Roe", "DOD News")


def test_an_account_posting_is_not_the_writer() -> None:
    art = _one("Frigate sails\n\nPosted on May 17, 2020 by seawatcher\n\nBy Jane Roe\n\n" + BODY)
    assert art.author == "Jane Roe"


def test_government_banner_and_breadcrumbs_are_not_the_title() -> None:
    raw = ("An official website of the United States government\nHere's how you know\n"
           "A .mil website belongs to an official U.S. Department of Defense organization in the United States.\n"
           "A lock (lock ) or https:// means you’ve safely connected to the .mil website. Share sensitive information "
           "only on official, secure websites.\n\nHome : Media : News : News Article View\nNEWS | Aug. 1, 2014\n\n"
           "Frigate Sails for the Gulf\n\n" + BODY)
    art = _one(raw)
    assert (art.title, art.published_date, art.outlet) == ("Frigate Sails for the Gulf", dt.date(2014, 8, 1), None)


def test_site_line_names_the_outlet() -> None:
    raw = ("Frigate sails for the Gulf\n\nFrom Wikinews, the free news source you can write!\n"
           "Jump to navigation Jump to search\n\nWednesday, August 22, 2007\n\n" + BODY)
    art = _one(raw)
    assert (art.outlet, art.published_date) == ("Wikinews", dt.date(2007, 8, 22))
    assert "Wikinews" not in art.text


def test_photo_credits_close_captions_but_a_photo_page_keeps_its_caption() -> None:
    story = ("NORFOLK, Va. -- The destroyer returned to port on Friday after a seven-month deployment to the Red Sea, "
             "where its crew shot down drones and missiles fired at merchant shipping, the Navy said in a statement.\n")
    art = _one("Destroyer returns\n\nSailors wave from the deck, Aug. 4, 2023. (U.S. Navy photo by Jane Roe)\n\n" + story)
    # The headline heads articles.text (segment kind "title"); the story follows it directly.
    assert "Sailors wave" not in art.text and "Jane Roe" not in art.text
    assert art.text.startswith("Destroyer returns\n\nNORFOLK")
    art = _one("Marines carry a soldier to a helicopter, June 8, 2013. U.S. Marine Corps photo by Sgt. Jane Roe\n\n" + story)
    assert "Marines carry" not in art.text
    page = _one(" date 2023-08-14 Sailors fast rope onto the destroyer during a general quarters drill in the Atlantic "
                "Ocean, August 12, 2023. (U.S. Navy photo by Jane Roe)\n")
    assert page.text.startswith("Sailors fast rope") and "Jane Roe" not in page.text
