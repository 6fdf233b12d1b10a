"""The tracking commands: the daily pass, materials and competences from the command line."""

from __future__ import annotations

from models import MaterialCompletion, OutboundEmail, RiskFlag, clock
from tests.tracking.builders import day, mentor, participant, programme
from workers.tracking import materials


def test_the_daily_command_flags_and_sends_interventions(runner, db):
    prog = programme()
    sam = participant(prog, "Sam")
    mentor(prog, "Maya", [sam])
    clock.freeze(day(30, hour=7))

    result = runner.invoke(args=["tracking", "daily", str(prog.id)])

    assert result.exit_code == 0, result.output
    assert "raised: 1, interventions: 1" in result.output
    assert RiskFlag.get(RiskFlag.person == sam).intervention_sent_at is not None
    assert "no programme with id 999" in runner.invoke(args=["tracking", "daily", "999"]).output


def test_materials_and_competences_commands(runner, db, tmp_path):
    prog = programme()
    participant(prog, "Ann")
    materials.add_material(prog.id, "module", "Listening", "https://x.org/1")
    csv_file = tmp_path / "done.csv"
    csv_file.write_text("email,material,completed\nann@example.org,module 1,2026-11-03\n")

    sent = runner.invoke(args=["tracking", "materials-send", str(prog.id)])
    imported = runner.invoke(args=["tracking", "materials-import", str(prog.id), str(csv_file)])
    asked = runner.invoke(args=["tracking", "competences", str(prog.id), "Listening", "Delegation"])

    assert "Queued 1 emails." in sent.output
    assert OutboundEmail.select().where(OutboundEmail.kind == "materials").count() == 1
    assert "Recorded 1 completions (0 known already)." in imported.output
    assert MaterialCompletion.select().count() == 1
    assert "1) Listening; 2) Delegation" in asked.output
