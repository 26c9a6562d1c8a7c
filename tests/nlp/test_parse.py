import datetime as dt

import pytest

from dagster_project.nlp.parse import make_article_id, parse_file
from dagster_project.nlp.parse.units import split_units
from tests.conftest import BLOG, SEEDS, WIRE


def test_wire_story_metadata() -> None:
    [art] = parse_file(WIRE, "wire.txt", "0" * 64)
    assert art.title == "Gunmen seize oil tanker off Lagos"
    assert art.author == "Amina Okafor"
    assert art.published_date == dt.date(2021, 6, 14)
    assert art.agency == "Reuters"
    assert art.dateline == "Lagos"  # all-caps datelines are title-cased
    # The headline and byline open the text (segments 'title', 'byline'), then the story with its dateline.
    assert art.text.startswith("Gunmen seize oil tanker off Lagos\n\nBy Amina Okafor\n\nLAGOS (Reuters)")


def test_markup_and_donation_removed_with_offsets() -> None:
    [art] = parse_file(BLOG, "blog.md", "1" * 64)
    assert art.title == "Cargo jet lands in Nairobi"
    assert "<u>" not in art.text and "**" not in art.text
    assert "Donate" not in art.text
    i = art.text.index("aircraft")
    rs, re_ = art.offset_map.raw_span(i, i + len("aircraft"))
    assert BLOG[rs:re_] == "aircraft"


@pytest.mark.parametrize("part", [0, 1, 7])
def test_article_id_is_stable_and_distinct(part: int) -> None:
    assert make_article_id("a" * 64, part) == make_article_id("a" * 64, part)
    assert make_article_id("a" * 64, part) != make_article_id("b" * 64, part)


def test_seed_with_two_reports_splits() -> None:
    raw = (SEEDS / "000_7d6fb3e3987d9f6f.txt").read_text(encoding="utf-8")
    arts = parse_file(raw, "000.txt", "c" * 64)
    assert len(arts) == 2
    assert arts[0].agency == "AFP"
    assert "Sputnik" in arts[1].text and "Sputnik" not in arts[0].text


def test_parse_is_deterministic() -> None:
    a = parse_file(WIRE, "w", "0" * 64)
    b = parse_file(WIRE, "w", "0" * 64)
    assert [x.text for x in a] == [x.text for x in b]


def _seed(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*")).read_text(encoding="utf-8")


def test_seed_split_parts_have_their_own_metadata() -> None:
    first, second = parse_file(_seed("000"), "000.txt", "c" * 64)
    assert first.title == "Russian Troops Have Landed In Venezuela!"
    assert first.published_date == dt.date(2019, 3, 25)
    assert (first.dateline, first.outlet) == ("Caracas", "AFP")
    # The second report states no headline, date or outlet: null, not borrowed from the first.
    assert (second.title, second.published_date, second.outlet, second.agency) == (None, None, None, None)
    assert first.raw_end <= second.raw_start


def test_captions_are_kept_out_of_the_text_and_posts_and_contributor_lines_are_typed_in_it() -> None:
    [art] = parse_file(_seed("002"), "002.txt", "d" * 64)
    kinds = {s.kind for s in art.segments}
    assert {"caption", "social_post", "contributor", "boilerplate", "body", "title", "byline"} <= kinds
    caption = next(s for s in art.segments if s.kind == "caption")
    assert "Photograph: Carlos Jasso/Reuters" in caption.text and caption.start is None
    assert "Photograph:" not in art.text and "<u>" not in art.text and "Since you're here" not in art.text
    # The embedded tweet and the contributor line are in the text, each a segment of its own kind.
    post = next(s for s in art.segments if s.kind == "social_post" and "@steve_hanke" in s.text)
    credit = next(s for s in art.segments if s.kind == "contributor")
    assert post.start is not None and art.text[post.start:post.end] == "Prof. Steve Hanke (@steve_hanke)"
    assert credit.start is not None and art.text[credit.start:credit.end] == (
        "Agence France-Presse, Associated Press and Reuters contributed to this report.")
    assert "Palladino said in a statement that also condemned" in art.text  # paragraph broken mid-sentence
    assert (art.title, art.author, art.outlet) == (
        "Russian military arrive in Venezuela to discuss 'training and strategy'", "Andrew Roth", "The Guardian")
    assert art.agency == "AFP; AP; Reuters"  # read from the contributor line


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Reporting by Tom Hale; Editing by Mark Potter", "contributor"),
        ("(Reporting by Anna Lind in Oslo; additional reporting by Tim Hepher; editing by Jan Harvey)", "contributor"),
        ("Associated Press writer Rob Gillies in Toronto contributed to this report.", "contributor"),
        ("Omar Haddad contributed reporting from Beirut.", "contributor"),
        ("Associated Press writer Ana Ruiz contributed from Buenos Aires.", "contributor"),
        ("Source: Al Jazeera and news agencies", "credit"),
        ("Photograph: Carlos Jasso/Reuters", "credit"),  # a photo credit stays out of the text
        ("View this post on Instagram", "navigation"),
        ("A post shared by Edinburgh Marathon Festival (@edinburghmarathon)", "social_post"),
    ],
)
def test_line_kinds_separate_contributor_lines_from_credits(line: str, kind: str) -> None:
    [unit] = split_units(line)
    assert unit.kind == kind


def test_contributor_line_never_runs_into_the_paragraph_before_it() -> None:
    raw = ("Headline of a wire story about the port\n\nBy Jo Smith\n\n"
           "OSLO (Reuters) - The port authority said on Monday it would reopen the northern quay next week after "
           "repairs, and that shipping would resume at full capacity\n"
           "Reporting by Anna Lind; Editing by Jan Harvey\n")
    [art] = parse_file(raw, "w", "0" * 64)
    assert art.text.endswith("full capacity\n\nReporting by Anna Lind; Editing by Jan Harvey")
    assert [s.kind for s in art.segments][-1] == "contributor"


def test_seed_standfirst_opens_the_story_as_its_own_segment() -> None:
    [art] = parse_file(_seed("002"), "002.txt", "d" * 64)
    deck = "Arrival of up to 100 soldiers in Caracas signals Moscow's support for embattled Maduro"
    head = "Russian military arrive in Venezuela to discuss 'training and strategy'\n\nAndrew Roth\n\n"
    assert art.text.startswith(head + deck + "\n\nRussian military officials have arrived in Venezuela")
    [seg] = [s for s in art.segments if s.kind == "standfirst"]
    assert (seg.start, seg.end, seg.text) == (len(head), len(head) + len(deck), deck)
    assert [s.kind for s in art.segments if s.start is not None and s.start < len(head)] == ["title", "byline"]
    # The date line names no place: it stays out of the text.
    assert "Mon 25 Mar 2019" not in art.text
    assert art.dateline is None  # the deck is not the first story paragraph


@pytest.mark.parametrize(
    ("header_line", "kind"),
    [
        ("Arrival of up to 100 soldiers in Caracas signals Moscow's support for embattled Maduro", "standfirst"),
        ("La ciudad suma cuatro kilómetros de vías ciclistas y conecta el centro con el puerto", "standfirst"),
        ("Die Stadt rief die zweithöchste Meldestufe aus und sperrte mehrere Straßen am Ufer", "standfirst"),
        ("Business desk", "header"),
        ("Live updates, compiled by the foreign desk", "header"),
        ("Last updated 23:40 CET on the evening of Sunday as news came in", "header"),
        ("North American Aerospace Defense Command Public Affairs Office Peterson Space Force Base", "header"),
        ("international / prose / post / world / americas / venezuela / russia", "navigation"),  # a tag trail
    ],
)
def test_header_line_under_the_headline_is_a_standfirst_only_when_it_reads_as_a_sentence(
    header_line: str, kind: str
) -> None:
    raw = ("Port reopens after repairs to the northern quay\n\nBy Jo Smith\n\n" + header_line + "\n\n"
           "OSLO (Reuters) - The port authority said on Monday it would reopen the northern quay next week after "
           "repairs, and that shipping would resume at full capacity.\n\n"
           "The quay was damaged in a storm in January, the authority said.\n")
    [art] = parse_file(raw, "w", "0" * 64)
    [seg] = [s for s in art.segments if s.text == header_line]
    assert seg.kind == kind
    assert (header_line in art.text) == (kind == "standfirst")
    assert art.text.endswith("the authority said.") and art.dateline == "Oslo" and art.author == "Jo Smith"


def test_repeated_caption_with_agency_credit_is_not_the_dateline() -> None:
    [art] = parse_file(_seed("001"), "001.txt", "e" * 64)
    assert art.text.startswith("Venezuela crisis: Russian military planes land near Caracas\n\n(BBC) Two Russian military planes")
    assert (art.outlet, art.agency, art.dateline) == ("BBC", None, None)
    assert [s.kind for s in art.segments[:3]] == ["title", "caption", "caption"]


@pytest.mark.parametrize(
    ("lede", "place", "agency"),
    [
        ("MOSCOW (Reuters) - The Kremlin said on Monday that talks would resume next week in Geneva.", "Moscow", "Reuters"),
        ("Nairobi (AFP) \u2013 Kenyan police fired tear gas at protesters in the capital on Tuesday, witnesses said.",
         "Nairobi", "AFP"),
        ("BEIRUT, Lebanon (AP) \u2014 A fuel tanker exploded in northern Lebanon early Sunday, killing at least 20 people.",
         "Beirut, Lebanon", "AP"),
        ("SEOUL, March 3 (Yonhap) -- North Korea fired two short-range ballistic missiles into the sea on Thursday.",
         "Seoul", "Yonhap"),
        ("ISLAMABAD: Pakistan's central bank raised its key policy rate by 100 basis points on Monday, officials said.",
         "Islamabad", None),
        ("(CNN) A powerful earthquake struck off the coast of Indonesia on Friday, the geological agency said.", None, None),
        ("The World Food Programme (WFP) said on Sunday it had delivered food to the region by air.", None, None),
        ("\u041c\u041e\u0421\u041a\u0412\u0410, 1 \u043c\u0430\u0440\u0442\u0430. /\u0422\u0410\u0421\u0421/. "
         "\u041d\u043e\u0432\u044b\u0439 \u0443\u0447\u0430\u0441\u0442\u043e\u043a \u043c\u0435\u0442\u0440\u043e "
         "\u043e\u0442\u043a\u0440\u044b\u043b\u0441\u044f \u0432 \u0441\u0440\u0435\u0434\u0443 \u0434\u043b\u044f "
         "\u043f\u0430\u0441\u0441\u0430\u0436\u0438\u0440\u043e\u0432.", "\u041c\u043e\u0441\u043a\u0432\u0430", "TASS"),
    ],
)
def test_dateline_styles(lede: str, place: str | None, agency: str | None) -> None:
    raw = f"Headline about a thing that happened today\n\n{lede}\n\nA second paragraph follows with more detail about it here.\n"
    [art] = parse_file(raw, "d.txt", "0" * 64)
    assert (art.dateline, art.agency) == (place, agency)


def test_non_english_article_is_flagged_not_mangled() -> None:
    raw = ("Sismo de magnitud 6 sacude el sur de México\n\n"
           "Un sismo de magnitud 6 sacudió este martes el estado de Oaxaca, en el sur de México, sin que se "
           "reportaran daños graves, informó el Servicio Sismológico Nacional.\n\n"
           "Las autoridades de protección civil revisaron escuelas y hospitales de la región como medida preventiva.\n")
    [art] = parse_file(raw, "es.txt", "0" * 64)
    assert (art.language, art.is_english) == ("es", False)
    assert "Un sismo de magnitud 6 sacudió este martes" in art.text
    assert art.title == "Sismo de magnitud 6 sacude el sur de México"


def test_file_with_only_boilerplate_gives_no_article() -> None:
    assert parse_file("Share this:\nTwitter\nFacebook\n\nLeave a comment\n", "b.txt", "0" * 64) == []


@pytest.mark.parametrize(
    "line",
    [
        "Share prices fell 3% on Monday after the central bank raised interest rates again.",
        "Email records show the minister met the lobbyists twice in May.",
        "Copyright lawyers said the ruling would change how photographs are licensed online.",
        "The company's newsletter said the plant would close by the end of the year.",
        "Follow-up inspections found cracks in two of the bridge's supports.",
        "A Reuters/Ipsos poll published on Friday showed support for the plan at 41%.",
        "A message from the president was read aloud at the ceremony by his chief of staff, who then left.",
        "The musician, who funds his recordings through Patreon, said the tour would go ahead.",
    ],
)
def test_story_lines_that_resemble_boilerplate_are_kept(line: str) -> None:
    raw = ("Factory to close with loss of 300 jobs\n\nThe owners of the textile mill said on Tuesday that it would "
           f"close in March, ending more than a century of production in the town.\n\n{line}\n\n"
           "Union officials said they would seek talks with the company about redundancy terms.\n")
    [art] = parse_file(raw, "k.txt", "0" * 64)
    assert line in art.text


def test_second_wire_dateline_starts_a_new_report() -> None:
    raw = ("Quake hits Chile\n\nSANTIAGO (Reuters) - A magnitude 6.1 earthquake struck northern Chile on Monday, "
           "the national seismology centre said, with no immediate reports of damage.\n\n"
           "Residents of Antofagasta briefly left buildings as the ground shook for about thirty seconds.\n\n"
           "LIMA (Reuters) - Peru's congress voted on Monday to remove the interior minister after a week of "
           "protests over fuel prices in the southern regions.\n\n"
           "The minister had been in office for less than four months, local media reported.\n")
    arts = parse_file(raw, "two.txt", "0" * 64)
    assert [a.dateline for a in arts] == ["Santiago", "Lima"]
    assert arts[0].title == "Quake hits Chile" and arts[1].title is None


def test_release_label_is_not_an_outlet() -> None:
    raw = ("NEWS RELEASE\n\nAgency tracks aircraft near the coast\n\nThe command said on Monday that it had tracked "
           "two aircraft operating in the international zone for several hours.\n\nThe aircraft did not enter "
           "sovereign airspace and were not considered a threat, the statement said.\n")
    [art] = parse_file(raw, "r.txt", "0" * 64)
    assert (art.title, art.outlet) == ("Agency tracks aircraft near the coast", None)


def test_html_page_title_gives_headline_and_site() -> None:
    raw = ("<html><head><title>Dam breach floods farmland in Sindh - The Karachi Courier</title>"
           "<style>p{margin:0}</style></head><body><p>A breach in an irrigation dam flooded thousands of acres of "
           "farmland in southern Sindh on Friday, officials said.</p><p>Story continues below advertisement</p>"
           "<p>Engineers were working to close the gap before more rain arrives, the irrigation minister said.</p>"
           "</body></html>")
    [art] = parse_file(raw, "p.html", "0" * 64)
    assert (art.title, art.outlet) == ("Dam breach floods farmland in Sindh", "The Karachi Courier")
    assert "margin" not in art.text and "continues below" not in art.text
    # The page title, as the reader sees it, opens the text; the site's name is the outlet, not the headline.
    assert art.text.startswith("Dam breach floods farmland in Sindh - The Karachi Courier\n\nA breach in an irrigation dam")


def test_section_break_inside_a_story_does_not_split_it() -> None:
    para = "The ferry left the harbour at dawn with about two hundred passengers and their cars on board."
    raw = (f"Crossing the strait\n\n{para}\n\nThe crossing took four hours in a heavy swell, the captain said later.\n\n"
           f"* * *\n\nBy noon the wind had dropped and the passengers came up on deck to watch the coast.\n\n"
           f"Most of them were going home for the holiday, and many carried food for their families.\n")
    assert len(parse_file(raw, "s.txt", "0" * 64)) == 1


def test_press_release_end_mark_and_about_block_are_not_story() -> None:
    raw = ("Command tracks aircraft near coast\n\nThe command said on Monday that it had tracked two aircraft "
           "operating in the international zone for several hours.\n\nThe aircraft did not enter sovereign airspace "
           "and were not considered a threat, the command said.\n\n-30-\n\nFor more information, contact the public "
           "affairs office.\n")
    [art] = parse_file(raw, "r.txt", "0" * 64)
    assert "-30-" not in art.text and "public affairs office" not in art.text
    raw2 = raw.replace("-30-", "About the Command").replace("For more information, contact the public affairs office.",
                                                          "The Command is a binational organisation founded in 1958.")
    [art2] = parse_file(raw2, "r.txt", "0" * 64)
    assert "binational" not in art2.text and "did not enter sovereign airspace" in art2.text
