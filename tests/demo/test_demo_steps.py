"""A demo that fails at start-up prints its cause and the platform starts anyway."""

from app.run import Context, demo_step


def test_a_failing_demo_step_is_reported_and_not_fatal(capsys):  # type: ignore[no-untyped-def]
    def broken() -> None:
        raise RuntimeError("the object store said no")

    ctx = Context()
    demo_step("registering the demo challenge", broken).run(ctx)  # does not raise

    out = capsys.readouterr()
    assert (
        "tessera: registering the demo challenge failed, continuing without it: "
        "the object store said no"
    ) in out.out
    assert "RuntimeError: the object store said no" in out.err  # the traceback
    assert ctx.notes == [
        "Not ready: registering the demo challenge (RuntimeError: the object store said no)"
    ]
