from __future__ import annotations

import click

from . import H_, Command
from ._common import echo_out, lang_option, reports_errors, speak


@click.command(
    cls=Command,
    help=H_(
        "Show where escore keeps its cache and how much it holds, or clear it.\n\n"
        "The cache makes runs faster, never different: parsed TOML files and checked evidence sets, keyed by "
        "content. ESCORE_CACHE_DIR moves it (off: no cache); ESCORE_CACHE_MAX_SIZE bounds the checked evidence sets "
        "kept (default 1G; the least recently used go first)."
    ),
)
@click.option(
    "--clear", is_flag=True, help=H_("Remove escore's files from the cache directory (parsed TOML files, checked evidence sets).")
)
@lang_option
@click.pass_context
@reports_errors
def cache(ctx: click.Context, lang: str | None, clear: bool) -> None:
    from escore._cache import MAX_EVIDENCE_FILES, SIZE_ENV, cache_usage, clear_cache
    from escore._i18n import gettext as _
    from escore._toml_cache import shared

    speak(ctx)
    shared().forget()  # the packs read to speak their language are not written into the cache shown or cleared
    usage = cache_usage()
    if usage.directory is None:
        echo_out(_("the cache is off (ESCORE_CACHE_DIR, or no home directory)"))
        return
    if clear:
        files, freed = clear_cache()
        echo_out(_("removed {0} file(s), {1}, from {2}").format(files, size_text(freed), usage.directory))
        return
    echo_out(_("cache directory: {0}").format(usage.directory))
    if usage.directory.exists():
        from escore._cache import usable_directory

        usable_directory(usage.directory, create=False)  # one that is refused is said, with the reason, on stderr
    echo_out(_("parsed TOML files and units tables: {0}").format(size_text(usage.parsed_bytes)))
    echo_out(
        _(
            "checked evidence sets: {0}, {1} (kept: at most {2} and {3} sets, the least recently used removed first; {4} sets the size)"
        ).format(usage.evidence_sets, size_text(usage.evidence_bytes), size_text(usage.limit), MAX_EVIDENCE_FILES, SIZE_ENV)
    )


def size_text(size: int) -> str:
    """``size`` bytes for people: ``812 B``, ``3.4 KiB``, ``1.0 GiB`` (binary units, one decimal)."""
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"
