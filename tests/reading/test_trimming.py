"""Reply trimming: quote headers, forwarded blocks, quoted lines, signatures, HTML quotes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.reading.htmltext import html_to_text, strip_html_quotes
from workers.reading.trimming import trim_reply

REPLY = "2 done\n3 60% waiting on HR"
QUOTE = "> Please tell us how item 2 is going.\n> Thanks"


def _reply_above(header: str) -> str:
    return f"{REPLY}\n\n{header}\n\n{QUOTE}\n"


@pytest.mark.parametrize(
    "header",
    [
        "On Mon, Jan 13, 2020 at 12:00 PM Ada Lovelace <ada@example.org> wrote:",
        "Le lun. 13 janv. 2020 à 12:00, Ada Lovelace <ada@example.org> a écrit :",
        "Am Mo., 13. Jan. 2020 um 12:00 Uhr schrieb Ada Lovelace <ada@example.org>:",
        "El lun., 13 ene. 2020 a las 12:00, Ada Lovelace (<ada@example.org>) escribió:",
        "Il giorno lun 13 gen 2020 alle ore 12:00 Ada <ada@example.org> ha scritto:",
        "Op ma 13 jan. 2020 om 12:00 schreef Ada Lovelace <ada@example.org>:",
        "W dniu 13.01.2020 o 12:00, Ada Lovelace pisze:",
        "Em seg., 13 de jan. de 2020 às 12:00, Ada <ada@example.org> escreveu:",
        "Den mån 13 jan. 2020 kl 12:00 skrev Ada Lovelace <ada@example.org>:",
        "Den 13. jan. 2020 kl. 12.00 skrev Ada Lovelace <ada@example.org>:",
        "man. 13. jan. 2020 kl. 12:00 skrev Ada Lovelace <ada@example.org>:",
        "2020年1月13日(月) 12:00 Ada Lovelace <ada@example.org>:",
        "在 2020年1月13日 12:00，Ada Lovelace <ada@example.org> 写道：",
        "13.01.2020 12:00, Ada Lovelace пишет:",
        "пн, 13 янв. 2020 г. в 12:00, Ada Lovelace <ada@example.org>:",
        "---- Ada Lovelace wrote ----",
        "On 13-Jan-2020, at 12:00 PM, Ada Lovelace <ada@example.org> sent:",
        "Ada Lovelace <ada@example.org> schrieb am Mo., 13. Jan. 2020, 12:00:",
        "Ada Lovelace <ada@example.org> escribió el lun., 13 ene 2020 a las 12:00:",
        "Ada Lovelace <ada@example.org> ezt írta (időpont: 2020. jan. 13., H 12:00):",
        "Quoting Ada Lovelace <ada@example.org>:",
        "Zitat von Ada Lovelace <ada@example.org>:",
        "Ada Lovelace schrieb am 13.01.2020 um 12:00:",
        "Ada Lovelace wrote on Mon, Jan 13, 2020 at 12:00 PM:",
        "Pada tanggal Sen, 13 Jan 2020 12.00, Ada Lovelace <ada@example.org> menulis:",
        "Dana 13. 1. 2020. u 12:00, Ada Lovelace <ada@example.org> je napisao/la:",
        "في الاثنين، 13 يناير 2020 12:00 م، كتب Ada Lovelace <ada@example.org>:",
    ],
)
def test_it_cuts_at_quote_headers_in_many_languages(header: str) -> None:
    assert trim_reply(_reply_above(header)) == REPLY


def test_it_cuts_at_a_quote_header_wrapped_over_two_lines() -> None:
    header = "On Mon, Jan 13, 2020 at 12:00 PM Ada Lovelace from Example\n<ada@example.org> wrote:"
    text = f"{REPLY}\n\n{header}\n\n{QUOTE}"
    assert trim_reply(text) == REPLY


def test_it_cuts_at_a_header_whose_address_closes_on_the_next_line() -> None:
    text = f'{REPLY}\n\nAm 13.01.2020 12:00 schrieb "Ada" <ada@example.org\n>:\n\n{QUOTE}'
    assert trim_reply(text) == REPLY


def test_it_cuts_at_a_header_wrapped_just_inside_the_address() -> None:
    text = f"{REPLY}\n\n2020-01-13 12:00 GMT+01:00 Ada Lovelace <\nada@example.org>:\n\n{QUOTE}"
    assert trim_reply(text) == REPLY


def test_it_cuts_at_a_name_first_header_wrapped_inside_its_date() -> None:
    header = "Ada Lovelace <ada@example.org> schrieb am So., 23.\nJuni 2024, 21:08:"
    assert trim_reply(_reply_above(header)) == REPLY


def test_it_keeps_a_sentence_quoting_something_other_than_a_person() -> None:
    text = f"{REPLY}\n\nQuoting the handbook:\nplans are due by Friday"
    assert trim_reply(text) == text


def test_it_keeps_a_sentence_saying_what_someone_wrote_somewhere() -> None:
    text = f"{REPLY}\n\nAda wrote on the board in 2020 these rules:\nbe kind"
    assert trim_reply(text) == text


def test_it_keeps_a_sentence_saying_what_was_sent() -> None:
    text = f"{REPLY}\n\nOn Monday I sent:\nthe 3 reports"
    assert trim_reply(text) == text


def test_it_splits_a_header_sharing_a_line_with_the_reply() -> None:
    text = "sounds good On Mon, Jan 13, 2020 at 12:00 PM, ada@example.org wrote:\n> hi"
    assert trim_reply(text) == "sounds good"


def test_it_splits_a_header_ending_a_long_paragraph() -> None:
    paragraph = "We finished item 2 and " + "made good progress on the rest " * 12
    text = (
        f"{paragraph.strip()} On Mon, Jan 13, 2020 at 12:00 PM Ada <ada@example.org> wrote:\n> hi"
    )
    assert trim_reply(text) == paragraph.strip()


def test_it_keeps_a_sentence_that_merely_ends_with_wrote() -> None:
    text = "Here is what I wrote:\nitem 2 is done"
    assert trim_reply(text) == text


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "----- Original Message -----",
        "-----Ursprüngliche Nachricht-----",
        "-------- Message d'origine --------",
        "---------- Forwarded message ---------",
        "Begin forwarded message:",
        "Início da mensagem encaminhada:",
        "Välitetty viesti alkaa:",
        "Początek przekazywanej wiadomości:",
        "________________________________",
        "-----Reply Message-----",
        "-----Antwort Nachricht-----",
        "-------- Oprindelig besked --------",
    ],
)
def test_it_cuts_at_original_and_forwarded_message_separators(separator: str) -> None:
    text = f"{REPLY}\n\n{separator}\nHello Ada,\nhow is item 2?"
    assert trim_reply(text) == REPLY


@pytest.mark.parametrize(
    "block",
    [
        "From: Tandem <t@example.org>\nSent: Monday, January 13, 2020 12:00\nTo: Ada\nSubject: X",
        "*From:* Tandem <t@example.org>\n*Date:* Monday, January 13, 2020\n*Subject:* Items",
        "Von: Tandem <t@example.org>\nGesendet: Montag, 13. Januar 2020 12:00\nAn: Ada\nBetreff: X",
        "De : Tandem [mailto:t@example.org]\nEnvoyé : lundi 13 janvier 2020\nÀ : Ada\nObjet : X",
        "Från: Tandem\nSkickat: den 13 januari 2020 12:00\nTill: Ada\nÄmne: Items",
        "差出人: Tandem\n送信日時: 2020年1月13日 12:00\n宛先: Ada\n件名: Items",
        "От: Tandem\nОтправлено: 13 января 2020 г. 12:00\nКому: Ada\nТема: Items",
        "Feladó: Tandem\nElküldve: 2020. január 13. 12:00\nCímzett: Ada\nTárgy: Items",
        "Από: Tandem\nΣτάλθηκε: Δευτέρα, 13 Ιανουαρίου 2020\nΠρος: Ada\nΘέμα: Items",
        "De la: Tandem\nTrimis: luni, 13 ianuarie 2020 12:00\nCătre: Ada\nSubiect: Items",
        "Dari: Tandem\nDikirim: Senin, 13 Januari 2020\nKepada: Ada\nPerihal: Items",
        "De: Tandem\nEnviada em: segunda-feira, 13 de janeiro de 2020\nPara: Ada\nAssunto: X",
    ],
)
def test_it_cuts_at_outlook_header_blocks_in_many_languages(block: str) -> None:
    text = f"{REPLY}\n\n{block}\n\nHello Ada,\nhow is item 2?"
    assert trim_reply(text) == REPLY


def test_it_keeps_a_reply_mentioning_one_header_word() -> None:
    text = "Date: next Friday suits me\nThanks"
    assert trim_reply(text) == text


def test_it_drops_trailing_quoted_lines_without_a_header() -> None:
    assert trim_reply(f"{REPLY}\n\n{QUOTE}\n>\n") == REPLY


def test_it_drops_supercite_quoted_lines() -> None:
    assert trim_reply(f"{REPLY}\n\nAL> Please tell us\nAL> how it goes\n") == REPLY


def test_it_keeps_a_reply_written_below_the_quote() -> None:
    text = (
        f"Hi\n\nOn Mon, Jan 13, 2020 at 12:00 PM Ada <ada@example.org> wrote:\n{QUOTE}\n\n{REPLY}"
    )
    assert trim_reply(text) == f"Hi\n\n{REPLY}"


def test_it_keeps_answers_written_between_quoted_lines() -> None:
    # Given a reply answering each quoted question in turn
    text = (
        "Hi,\n\nOn Mon, Jan 13, 2020 at 12:00 PM Ada <ada@example.org> wrote:\n"
        "> 2. Finish the report\n\n2 done\n\n> 3. Hire an analyst\n\n3 60% waiting on HR\n"
    )
    # When it is trimmed
    reply = trim_reply(text)
    # Then the answers stay and the quoted questions go
    assert reply == "Hi,\n\n2 done\n\n3 60% waiting on HR"


def test_it_keeps_the_words_of_someone_who_wrote_only_below_the_header() -> None:
    text = f"On Mon, Jan 13, 2020 at 12:00 PM Ada <ada@example.org> wrote:\n\n{QUOTE}\n\n{REPLY}"
    assert trim_reply(text) == REPLY


def test_it_keeps_a_single_line_that_only_looks_quoted() -> None:
    text = "Visit us\n>>> http://example.org <<<\nthanks"
    assert trim_reply(text) == text


@pytest.mark.parametrize(
    "sign_off",
    [
        "Sent from my iPhone",
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Get Outlook for Android",
        "Envoyé de mon iPhone",
        "Von meinem iPhone gesendet",
        "Enviado desde mi Samsung Galaxy",
        "Sent from TypeApp <http://www.typeapp.com/r>",
        "Sent from Mail for Windows",
        "Verstuurd vanaf mijn iPhone",
        "Lähetetty iPhonesta",
        "iPhone'umdan gönderildi",
        "iPhoneから送信",
        "发自我的iPhone",
        "Sent with Proton Mail secure email.",
        "Sent from Zoho Mail",
        "Отправлено из мобильной Почты Mail.ru",
        "Obtener Outlook para iOS",
        "Pobierz aplikację Outlook dla systemu Android",
    ],
)
def test_it_drops_mobile_sign_offs(sign_off: str) -> None:
    assert trim_reply(f"{REPLY}\n\n{sign_off}\n") == REPLY


def test_it_keeps_a_sentence_starting_like_a_sign_off() -> None:
    text = f"{REPLY}\n\nSent from my desk, which is much easier than from my mobile phone."
    assert trim_reply(text) == text


@pytest.mark.parametrize(
    "last_line",
    [
        "I sent it from my phone yesterday, did you get it?",
        "Download the app on your phone.",
        "I sent the figures from my phone this morning because the office laptop was broken",
    ],
)
def test_it_keeps_a_last_sentence_that_mentions_a_phone(last_line: str) -> None:
    text = f"{REPLY}\n\n{last_line}"
    assert trim_reply(text) == text


def test_it_drops_a_dash_dash_signature() -> None:
    assert trim_reply(f"{REPLY}\n\n-- \nAda Lovelace\nAnalytical Engines Ltd\n") == REPLY


def test_it_drops_a_mailing_list_footer_below_a_short_rule() -> None:
    text = f"{REPLY}\n\n__\nexample-users mailing list\nhttp://lists.example.org/"
    assert trim_reply(text) == REPLY


def test_it_drops_a_leftover_rule_line() -> None:
    assert trim_reply(f"{REPLY}\n\n ------------------------------\n") == REPLY


def test_it_strips_gmail_quotes_from_html_before_conversion() -> None:
    html = (
        '<div dir="ltr">2 done<br>3 60% waiting on HR</div><div class="gmail_quote">'
        "<div>On Mon, Ada wrote:</div><blockquote><div>How is item 2?</div></blockquote></div>"
    )
    assert trim_reply("", html) == REPLY


@pytest.mark.parametrize(
    "quoted",
    [
        '<div id="divRplyFwdMsg"><b>From:</b> Tandem</div><div>How is item 2?</div>',
        '<div id="appendonsend"></div><hr><div>How is item 2?</div>',
        '<div class="moz-cite-prefix">On 13/01/2020 Ada wrote:</div><blockquote>How?</blockquote>',
        '<div class="yahoo_quoted"><div>How is item 2?</div></div>',
        '<blockquote type="cite"><div>How is item 2?</div></blockquote>',
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt"><p>From: Tandem</p></div>'
        "<p>How is item 2?</p>",
        '<div style="border-top: 1pt solid #B5C4DF"><p>From: Tandem</p></div><p>How is 2?</p>',
        '<div id="OLK_SRC_BODY_SECTION"><b>From:</b> Tandem</div><div>How is item 2?</div>',
        '<hr id="zwchr"><div data-marker="__HEADERS__">From: Tandem</div><div>How is 2?</div>',
        '<div data-marker="__QUOTED_TEXT__"><div>How is item 2?</div></div>',
        '<div class="x_gmail_quote">On Mon Ada wrote:<br>How is item 2?</div>',
        '<div class="moz-forward-container">-- Forwarded --<br>How is item 2?</div>',
        '<div class="gmail_extra"><div class="gmail_quote">How is item 2?</div></div>',
    ],
)
def test_it_strips_client_quote_markers_from_html(quoted: str) -> None:
    html = f"<html><body><p>2 done</p><p>3 60% waiting on HR</p>{quoted}</body></html>"
    assert "How" not in trim_reply("", html)
    assert "3 60% waiting on HR" in trim_reply("", html)


def test_it_uses_the_html_when_the_text_was_derived_from_it() -> None:
    html = '<p>2 done</p><blockquote type="cite">How is item 2?</blockquote>'
    assert trim_reply(html_to_text(html), html) == "2 done"


def test_it_converts_html_to_text_without_link_targets() -> None:
    text = html_to_text('<p>See <a href="https://example.org/x">the plan</a> &amp; reply</p>')
    assert text == "See the plan & reply"


def test_it_cuts_the_signature_of_html_only_outlook_mail() -> None:
    # Given an Outlook HTML-only reply whose signature opens with a "--" paragraph
    html = (
        '<html><body><p class="MsoNormal">2 done<br>3 60% waiting on HR<o:p></o:p></p>'
        '<p class="MsoNormal">--&nbsp;<o:p></o:p></p>'
        '<p class="MsoNormal">Ada Lovelace<br>Head of Science<o:p></o:p></p></body></html>'
    )
    # When it is trimmed, Then the "--" is read as the signature separator
    assert trim_reply("", html) == REPLY


def test_it_converts_html_without_markdown_escapes() -> None:
    html = "<p>-- </p><p>1. first</p><p>+ plus</p><p>- dash</p><p>C:\\Temp\\[x]</p>"
    assert html_to_text(html).splitlines()[::2] == [
        "--",
        "1. first",
        "+ plus",
        "- dash",
        "C:\\Temp\\[x]",
    ]


def test_it_survives_broken_html() -> None:
    assert strip_html_quotes("<div><blockquote><p>unclosed") == "<div>"
    assert html_to_text("<<<>>><p") is not None


def test_it_keeps_a_bare_forward_as_what_the_person_sent() -> None:
    # A forward with nothing above it: the forwarded message is what the person sends on.
    text = "---------- Forwarded message ---------\nFrom: a@example.org\n\nthe forwarded words"
    assert trim_reply(text) == text


def test_it_returns_empty_text_for_an_empty_body() -> None:
    assert trim_reply("") == ""
    assert trim_reply("   \n\n") == ""


#: Lines hypothesis mixes into random replies: headers, quotes, sign-offs and ordinary words.
LINE_POOL = [
    "",
    REPLY,
    "> quoted",
    "On Mon, Jan 13, 2020 at 12:00 PM Ada <ada@example.org> wrote:",
    "-----Original Message-----",
    "From: Ada <ada@example.org>",
    "Sent: Monday",
    "-- ",
    "Sent from my iPhone",
    "________________________________",
    "Le 13 janv. 2020, Ada a écrit :",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(LINE_POOL), st.text(max_size=80)), max_size=40))
def test_it_only_ever_returns_text_taken_from_the_body(lines: list[str]) -> None:
    # Given any mixture of reply lines, quote headers, quotes and noise
    text = "\n".join(lines)
    # When it is trimmed
    reply = trim_reply(text)
    # Then every line of the reply is (the start of) a line of the body
    body = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    for line in reply.split("\n"):
        assert any(source.startswith(line) for source in body)


#: Fragments of HTML, well-formed or not, that hypothesis strings together.
HTML_POOL = [
    "<div>", "</div>", "<blockquote>", "</blockquote>", '<div class="gmail_quote">',
    '<div id="divRplyFwdMsg">', "<br>", "<p>", "&amp;", "&#xZZ;", "<!--", "<![CDATA[",
    "<script>", '<a href="', '">', "2 done",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(HTML_POOL), st.text(max_size=10)), max_size=50))
def test_it_never_crashes_on_broken_html(parts: list[str]) -> None:
    assert isinstance(trim_reply("", "".join(parts)), str)


def test_it_reads_a_quote_header_left_in_quoted_printable() -> None:
    # Given a body whose quote header is still quoted-printable, wrapped by a soft line break
    text = (
        f"{REPLY}\n\nLe mer. 12 janv. 2026 =C3=A0 10:00, Tandem <tandem@exa=\nmple.org> a "
        f"=C3=A9crit :\n\n{QUOTE}\n"
    )
    # When it is trimmed
    # Then the header is found and the history goes
    assert trim_reply(text) == REPLY


def test_it_leaves_text_with_a_plain_equals_sign_alone() -> None:
    text = "x=1 and y=\n2 done"
    assert trim_reply(text) == text


def test_it_keeps_a_rule_of_underscores_inside_the_reply() -> None:
    # Given a reply divided by a long rule, with the real quote header further down
    rule = "_" * 60
    text = f"{REPLY}\n\n{rule}\n\nMore news below.\n\nOn Mon, Jan 13, 2020, Ada wrote:\n{QUOTE}"
    # When it is trimmed
    # Then both parts of the reply stay and only the history goes
    assert trim_reply(text) == f"{REPLY}\n\n{rule}\n\nMore news below."
