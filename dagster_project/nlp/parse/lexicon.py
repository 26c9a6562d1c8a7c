"""Word lists and line patterns for news pages: wire agencies, boilerplate, captions, bylines.

They describe the *genre* (how wire copy, news sites and blogs lay out a page), not any
particular file: each pattern is something found on many sites.
"""

from __future__ import annotations

import re

# Wire services: canonical code -> names they are credited under. Matching is case-sensitive
# for the short codes (``AP``, ``PA``) so ordinary words never match.
AGENCIES: dict[str, tuple[str, ...]] = {
    "AFP": ("AFP", "Agence France-Presse", "Agence France Presse", "France-Presse", "France Presse"),
    "AP": ("AP", "Associated Press", "The Associated Press"),
    "Reuters": ("Reuters", "Thomson Reuters"),
    "EFE": ("EFE", "Agencia EFE"),
    "dpa": ("dpa", "DPA", "Deutsche Presse-Agentur"),
    "Kyodo": ("Kyodo", "Kyodo News"),
    "Jiji": ("Jiji", "Jiji Press"),
    "Xinhua": ("Xinhua",),
    "TASS": ("TASS", "Tass", "ITAR-TASS", "\u0422\u0410\u0421\u0421", "\u0418\u0422\u0410\u0420-\u0422\u0410\u0421\u0421"),
    "RIA Novosti": ("RIA Novosti", "RIA", "\u0420\u0418\u0410 \u041d\u043e\u0432\u043e\u0441\u0442\u0438"),
    "Interfax": ("Interfax", "\u0418\u043d\u0442\u0435\u0440\u0444\u0430\u043a\u0441"),
    "Sputnik": ("Sputnik",),
    "ANSA": ("ANSA",),
    "UPI": ("UPI", "United Press International"),
    "Yonhap": ("Yonhap",),
    "PTI": ("PTI", "Press Trust of India"),
    "IANS": ("IANS",),
    "ANI": ("ANI",),
    "Anadolu": ("Anadolu", "Anadolu Agency", "AA"),
    "Bernama": ("Bernama",),
    "Antara": ("Antara",),
    "AAP": ("AAP", "Australian Associated Press"),
    "CP": ("CP", "Canadian Press", "The Canadian Press"),
    "PA": ("PA", "PA Media", "Press Association"),
    "Bloomberg": ("Bloomberg",),
    "Europa Press": ("Europa Press",),
    "Lusa": ("Lusa",),
    "Notimex": ("Notimex",),
    "Prensa Latina": ("Prensa Latina",),
    "ANP": ("ANP",),
    "Belga": ("Belga",),
    "APA": ("APA",),
    "KUNA": ("KUNA",),
    "WAM": ("WAM",),
    "SPA": ("SPA",),
    "IRNA": ("IRNA",),
    "MENA": ("MENA",),
    "NTB": ("NTB",),
    "CNA": ("CNA", "Central News Agency"),
}
_ALIAS = sorted(((a, code) for code, names in AGENCIES.items() for a in names), key=lambda x: -len(x[0]))
_AGENCY_RE = re.compile(r"(?<![\w-])(" + "|".join(re.escape(a) for a, _ in _ALIAS) + r")(?![\w-])")
_ALIAS_CODE = dict(_ALIAS)


def agency_code(name: str) -> str | None:
    """Canonical code of a wire service named exactly by ``name`` (``'Associated Press'`` -> ``'AP'``)."""
    return _ALIAS_CODE.get(name.strip().strip("*_").strip())


def agencies_in(text: str) -> list[str]:
    """Canonical codes of every wire service named in ``text``, in order, without repeats."""
    out: list[str] = []
    for m in _AGENCY_RE.finditer(text):
        code = _ALIAS_CODE[m.group(1)]
        if code not in out:
            out.append(code)
    return out


# Words that make a short line look like a publication's name.
OUTLET_WORDS = re.compile(
    r"(?i)\b(?:times|post|news|herald|gazette|ledger|courier|tribune|journal|daily|chronicle|guardian|observer"
    r"|express|telegraph|mail|star|standard|record|review|press|monitor|independent|mirror|today|weekly|magazine"
    r"|radio|television|tv|network|bulletin|dispatch|inquirer|examiner|courant|register|sentinel|globe|nation"
    r"|reporter|insider|wire|agency|agencia|agence|broadcasting|media|online|report|leader|advertiser|argus"
    r"|zeitung|diario|el pa[ií]s|le monde|bbc|cnn|npr|al jazeera|bloomberg)\b"
)

# Bylines that name no person.
GENERIC_AUTHOR = re.compile(
    r"(?i)^(?:staff(?: reports?| reporters?| writers?)?|admin(?:istrator)?|editor(?:s|ial)?|web ?desk|news ?desk"
    r"|our (?:correspondent|reporter)s?|correspondents?|agencies|agency|reporters?|wire(?: services?)?|guest"
    r"|anonymous|unknown|team|the editors|newsroom|desk)$"
)

NAVIGATION = re.compile(
    r"(?i)^(?:skip to(?: main)? (?:content|navigation)|menu|main menu|search|close|open menu|toggle navigation|home"
    r"|back to top|sign in|log ?in|register|subscribe|more|navigation|sections|trending|latest|most read|top stories"
    r"|related(?: topics| articles| stories| content| posts| coverage)?|more on this story|you may also like"
    r"|recommended(?: for you)?|popular|next article|previous article|continue reading|load more|show more"
    r"|breaking(?: news)?|live|latest news|world news|news|opinion|analysis|exclusive|video|watch live|explainer"
    r"|(?:news|press|media) release|for immediate release|press statement|statement|advisory"
    r"|jump to (?:navigation|search|content)(?: jump to (?:navigation|search|content))?"
    r"|(?:tags|topics|categories|filed under|category|keywords)\s*:.*)$"
)
# Share/follow widgets; when the line opens a list (``Share this:``), the short lines under it follow.
_PLATFORMS = r"(?:e-?mail|print|whatsapp|facebook|twitter|x|linkedin|pinterest|reddit|telegram|messenger|copy link|tweet)"
SHARE = re.compile(
    rf"(?i)^(?:(?:share(?:\s+(?:this|on|via|article|story|post)\b|\s*:|$)|like this\b|like loading\b|follow us\b).{{0,80}}"
    rf"|(?:{_PLATFORMS}\s*[,|/\u00b7\u2022]?\s*)+)$"
)
LIST_OPENER = re.compile(
    r"(?i)^(?:share(?: this(?: article| story| post)?)?|like this|related(?: topics| articles| stories| posts)?"
    r"|more on this story|tags|topics|categories|follow us|read more|see also)\s*:?\s*$"
)

# Boilerplate phrases. Those that only count at the start of a line are a separate pattern, tried
# once with ``match``: in one alternation with the others, searching tried them at every position.
BOILERPLATE_ANYWHERE = re.compile(
    r"(?i)(?:all rights reserved|may not be (?:re)?published, broadcast"
    r"|this site uses akismet|comment data is processed"
    r"|your email address will not be published|required fields are marked|be the first to comment"
    r"|click here|sign up (?:for|to)\b|subscribe to (?:our|the)\b|(?:sign up|subscribe)\b.{0,40}newsletter"
    r"|newsletter.{0,30}(?:sign up|subscribe|inbox)|in your inbox"
    r"|follow us on|join our (?:telegram|whatsapp)|download (?:our|the) app"
    r"|trust principles|order reprints|today's paper"
    r"|a version of this (?:article|story) appear(?:s|ed) in print"
    r"|buy(?:ing)? me a coffee|support (?:us|me|this \w+) on patreon|patreon\.com/"
    r"|(?:story|article) continues (?:below|after)|continue reading the main story|scroll (?:down )?to continue"
    r"|you (?:are receiving|received|have received) this (?:e-?mail|newsletter|message)"
    r"|comments are (?:moderated|closed)|community (?:rules|guidelines|standards)"
    r"|manage (?:your )?(?:preferences|subscription)|view (?:this (?:e-?mail )?)?in (?:your )?browser"
    # Government-site banners and page chrome of public-domain sources (usa.gov style, VOA, MediaWiki).
    r"|an official website of the united states government|official websites use \.(?:gov|mil)|secure \.(?:gov|mil) websites use https"
    r"|a \.(?:gov|mil) website belongs to|\.gov website belongs to|share sensitive information only on official"
    r"|you have accessed part of a historical collection|your browser doesn.t support html5"
    r"|this audio file was created from the text revision)"
)
BOILERPLATE_START = re.compile(
    r"(?i)(?:leave a (?:reply|comment)|post a comment"
    r"|\d+ (?:comments?|thoughts? on|responses? to|replies)\b|comments?\s*\(\d+\)$|no comments"
    r"|(?:advertisement|advert|sponsored(?: content)?|promoted|ad|ads by \w+)$"
    r"|here.s how you know$|accessibility links$|jump to navigation\b|a lock \(\s*lock\s*\) or https://"
    r"|(?:read more|also read|read also|see also|watch|listen|recommended|more from|you may also like|related"
    r"|read next|read the full story|more|related article|related story)\s*[:\-\u2013\u2014|]"
    r"|our standards\s*:|this (?:article|story) (?:was )?originally"
    r"|(?:originally published|first published)\b"
    r"|(?:please )?(?:consider )?(?:donate|support us)\b"
    r"|\d+\s*min(?:ute)?s?(?: to)? read$|advertise (?:with|on)\b|related (?:article|story|stories|content|coverage|link)s?\b"
    r"|unsubscribe\b|by posting\b"
    r"|for (?:more|further) information,? (?:contact|visit|please|see)|(?:media|press) contacts?\s*:"
    r"|to contact the (?:reporters?|editors?|writers?) (?:on|responsible for) this story|submitted by\b"
    r"|[^.!?]{0,80}\b[\w.+-]+@[\w-]+\.[\w.-]+\b\S*$)"
)


def is_boilerplate(t: str) -> bool:
    """A line of site furniture: a comment-form prompt, newsletter pitch, ad label, reprint notice, ..."""
    return BOILERPLATE_START.match(t) is not None or BOILERPLATE_ANYWHERE.search(t) is not None


# "Copyright 2021 X", "(c) The Times", "Copyright applies." but not "Copyright lawyers said ...".
COPYRIGHT_LINE = re.compile(
    r"^(?:[Cc]opyright|COPYRIGHT|\u00a9|\([cC]\))(?:\s*(?:\d{4}|[Aa]pplies|[Nn]otice|[Rr]eserved|by)\b|\s+[A-Z\u00a9]|\s*\.?$)"
)
# Once one of these starts, the rest of the report is an appeal (several paragraphs long).
APPEAL_START = re.compile(
    r"(?i)^(?:since you(?:'|\u2019)re here|\.{0,3}\s*we have a small favou?r to ask|before you go"
    r"|dear reader|support (?:independent|our) journalism|if you (?:value|enjoyed|like) (?:our|this))"
)
# Press-release end marks ("-30-", "###", "ENDS"): nothing after them is story.
END_MARK = re.compile(r"^(?:-\s*30\s*-|#{3}|-?\s*ends?\s*-?|\*\*\*\s*ends?\s*\*\*\*)$", re.IGNORECASE)
# "About WFP" / "About the company": the boilerplate block closing a press release.
ABOUT_BLOCK = re.compile(r"^About (?:the |us$)?[A-Z0-9][\w&.'\u2019-]*(?:\s+[A-Z0-9][\w&.'\u2019-]*){0,4}$")
# What an appeal is about; a line opening an appeal must say one of these or be short.
APPEAL_WORDS = re.compile(r"(?i)\b(?:support|donat|contribut|subscri|favou?r|journalism|readers?|member)")
# Contributor credit lines closing a story ("Reporting by X; Editing by Y", "X contributed to this
# report", "X contributed reporting from Beirut"): part of the story's text, typed ``contributor``.
CONTRIBUTOR_LINE = re.compile(
    r"(?i)(?:contributed (?:to )?(?:this )?report(?:ing)?|contributed reporting|additional reporting by"
    r"|\bcontributed (?:reporting )?from [^.!?]{2,60}\.?$"
    r"|^[(\[_*]{0,2}\s*(?:reporting|writing|editing|compiled|edited|translated|additional writing) by\b|;\s*editing by\b)"
)
# Where a copy came from ("Source: Al Jazeera", "via: ..."): a credit, kept out of the text.
SOURCE_LINE = re.compile(r"(?i)^(?:source|sources|via|fuente|fuentes|fonte|quelle|bron)\s*:")
# "From an International Security Assistance Force Joint Command News Release": where a republished release came from.
RELEASE_SOURCE = re.compile(
    r"(?i)^from (?:an?|the)\s+.{2,100}?\b(?:news release|press release|release|statement|news service)\.?$"
)
# "Photos by Sgt. Andrew McNeil", "U.S. Army photo by Jane Roe" alone on a line: the credit of the page's photo.
PHOTO_BY_LINE = re.compile(
    r"(?i)^(?:[\w.]+\s+){0,4}?(?:photos?|photographs?|images?|videos?)\s+(?:by|courtesy of)\s+[A-Z](?:[^.!?]|\.(?=\s*[A-Z]|$)){1,80}$"
)
CAPTION = re.compile(
    r"(?i)(?:^(?:image|photo|picture|pictured|caption|image caption|media caption|video caption|file photo|file"
    r"|above|below|top|inset|gallery|watch)\s*(?:[:,|\-\u2013\u2014])"
    r"|\((?:AP|AFP|Reuters|EPA|Getty)?\s*(?:photo|photograph|image|picture|credit|foto)\b[^()]{0,80}\)\s*$"
    r"|\b(?:photograph|photo|picture|image|credit|foto)\s*(?::|by)\s*[^.]{2,80}$"
    r"|\b(?:photograph|photo)\s+by\s*$"
    r"|/getty images|via getty images|\bgetty images\s*$|\b(?:AP|AFP|Reuters|EPA)\s+photo\b"
    r"|\b(?:AP|AFP|Reuters|REUTERS|EPA)(?:\s+Photo)?/[^/()]{2,40}(?:/[^/()]{2,40})?\)?\.?$"
    r")"
)
CREDIT_ONLY = re.compile(
    r"(?i)^(?:image (?:source|copyright|credit)s?|photo(?:graph)?(?: credit)?s?|credit|source)\s*[:,]\s*\S.{0,80}$"
)
# A photo credit in parentheses closing a short caption: "... near Caracas on Sunday (Reuters)".
# No figure inside: "USS Theodore Roosevelt (CVN-71)" names a hull, not a photographer.
PAREN_CREDIT_END = re.compile(r"[^.!?:;\s\"\u201d]\s*\((?![^()]*\d)(?:[A-Z][\w.&'\u2019-]*(?:[ /][A-Z][\w.&'\u2019-]*){0,4})\)$")

SOCIAL_HANDLE_LINE = re.compile(r"^(?:[\u2014\u2013-]{1,2}\s*)?.{0,80}\(@\w{1,30}\)(?:\s+.{0,40})?$")
# The link label an embed shows around a post ("View this post on Instagram"): widget chrome, not the post.
EMBED_LABEL = re.compile(
    r"(?i)^(?:view (?:this )?(?:post|tweet|video|photo) on (?:instagram|twitter|x|facebook|threads|tiktok|youtube)"
    r"|watch on (?:youtube|tiktok|facebook)|see (?:this|the) (?:post|tweet) on (?:instagram|twitter|x))\.?$"
)
SOCIAL_MARK = re.compile(
    r"(?i)pic\.twitter\.com/|instagram\.com/p/|a post shared by"
    r"|^[\u2014\u2013-]{1,2}\s*.{0,80}\(@\w{1,30}\)"
)
URL_ONLY = re.compile(r"(?i)^(?:[\w .,'\u2019&-]{0,60}[.:]?\s*)?(?:https?://|www\.)\S+$")
SHORTENER = re.compile(r"(?i)\b(?:tinyurl\.com|bit\.ly|t\.co|goo\.gl|ow\.ly|buff\.ly|is\.gd|tiny\.cc|shorturl\.at)/\S+")
# Three or more rule characters, or the e-mail signature delimiter "-- ".
SEPARATOR = re.compile(r"^\s*(?:(?:(?:[-*_=~#\u2014\u2013\u2022]|&nbsp;)\s*){3,}|--)\s*$")

BYLINE = re.compile(
    r"(?i)^(?:[\u2022\u00b7*]\s*)?(?:by|por|par|von|di|door|av|written by|words by|author\s*:|text\s*:|posted by|story by"
    r"|video by)\s+(?P<who>.+)$"
)
# Military ranks and rates written before a byline's name ("Tech. Sgt.", "Airman 1st Class", "Mass Communication
# Specialist 3rd Class", "Lt. j.g."): titles, not part of the author's name.
RANK_PREFIX = re.compile(
    r"^(?:(?:Lt|Capt|Maj|Col|Gen|Brig|Sgt|Cpl|Pfc|Pvt|Spc|Cmdr|Adm|Ens|Tech|Staff|Master|Senior|Chief|Command|Petty"
    r"|Officer|Airman|Specialist|Mass|Communication|Seaman|Fireman|Ensign|Lance|Corporal|Sergeant|Lieutenant"
    r"|Captain|Major|Colonel|General|Commander|Private|First|Second|Third|Class|Gunnery|Warrant|Flight|Wing"
    r"|Squadron|Leader|SrA|SSgt|TSgt|MSgt|SMSgt|CMSgt|A1C|Amn|CPT|SGT|SSG|SFC|SPC|PFC|PV2|MAJ|COL|LTC|CPL|MC[1-3]"
    r"|j\.g|\d(?:st|nd|rd|th))\.?\s+)+(?=[A-Z])"
)
# "From Wikinews, the free news source you can write!", "From Wikipedia, the free encyclopedia": the site's own line.
FROM_SITE = re.compile(r"(?i)^from (?P<name>[A-Z][\w.&'\u2019 -]{1,40}?), the (?:free|independent|online)\b.{0,60}$")
# "Posted on <date> by <name>" and similar: a byline after the date.
BY_INSIDE = re.compile(r"(?i)\b(?:by|por|par|von)\s+(?P<who>[\w@][\w.'\u2019@ -]{1,60})$")
DATE_PREFIX = re.compile(
    r"(?i)^(?:published|updated|posted|last (?:updated|modified)|first published|publicado|actualizado"
    r"|publi[ée]|mis à jour|ver[öo]ffentlicht|aktualisiert|date)\b(?:\s+(?:on|at|le|el|am))?\s*:?\s*"
)
NAME_TOKEN = r"(?:[A-Z\u00c0-\u00de][\w\u00c0-\u024f'\u2019.-]*|de|da|del|der|van|von|bin|al|el|la|le|di|du|dos|y)"
PERSON_NAME = re.compile(rf"^{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{1,4}}$")

DATELINE_DATE = (
    r"(?:\d{1,2}\s+(?:de\s+)?[^\W\d_]{3,10}\.?|[A-Z][a-z]{2,8}\.?\s+\d{1,2})(?:,?\s+(?:de\s+)?\d{4})?"
)
# Capital letters of the Latin, Greek and Cyrillic scripts (Python's re has no \p{Lu}).
_UP = "A-Z\u00c0-\u00d6\u00d8-\u00de\u0391-\u03a9\u0400-\u042f"
_LETTER = r"[^\W\d_]"
_PLACE = (
    rf"[{_UP}][\w'\u2019.\- ]{{1,40}}?(?:,\s*[{_UP}](?:{_LETTER}|[.'\u2019 \-]){{1,30}}?)?"
)
# "CARACAS (Reuters) -", "OSLO, April 9 (Reuters) -", "(CNN) -", "МОСКВА, 1 марта. /ТАСС/."
DATELINE_CREDIT = re.compile(
    rf"^(?:(?P<place>{_PLACE})(?:,\s*(?P<date>{DATELINE_DATE}))?\.?\s*)?"
    r"(?:\((?P<credit>[^()\n]{2,40})\)|/(?P<slash_credit>[^/\n]{2,40})/)"
    r"\s*(?:\.?\s*[-\u2013\u2014]{1,2}|:|\.-|\.\u2014|\.)?\s*(?=\S)"
)
_CAPS_PLACE = rf"[{_UP}][{_UP}'\u2019.\-]+(?:\s+[{_UP}][{_UP}'\u2019.\-]+){{0,3}}"
# "WASHINGTON \u2014", "NEW DELHI:", "BOLOGNA, 16 MAG -"
DATELINE_PLAIN = re.compile(
    rf"^(?P<place>{_CAPS_PLACE}(?:,\s*[{_UP}](?:{_LETTER}|[.'\u2019 \-]){{1,30}}?)?)"
    rf"(?:,\s*(?P<date>{DATELINE_DATE}))?\s*(?:[-\u2013\u2014]{{1,2}}|:)\s+(?=\S)"
)

# Words of a CMS's own page chrome: a line made only of them ("Article Display", "News Article View", "Photo
# Gallery", "Press Releases") names the page type or the section, never the story.
CHROME_WORD = re.compile(
    r"(?:articles?|stor(?:y|ies)|news|photos?|images?|videos?|galler(?:y|ies)|multimedia|media|features?"
    r"|commentar(?:y|ies)|press|releases?|display|view|details?|listing|archives?|index|categor(?:y|ies)|tags?"
    r"|topics?|sections?|page|home|search|results|latest|top|more|all|main|content|print|share|e-?mail|feed|rss"
    r"|audio|podcasts?|transcripts?|speech(?:es)?|statements?|briefings?|advisor(?:y|ies)|columns?|blogs?"
    r"|highlights|local|world|national|regional|region|spotlight)"
)
