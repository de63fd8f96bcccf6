"""Reference layers for the map (rivers, roads, towns): layers import|list."""

# No `from __future__ import annotations`: Typer evaluates the Annotated help texts built in register().
from pathlib import Path
from typing import Annotated

import typer

from ..i18n import t
from .common import actor_option, store_option


def register(app: typer.Typer, lang: str) -> None:
    store_opt = store_option(lang)

    layers_app = typer.Typer(help=t("cmd.layers", lang), no_args_is_help=True)
    app.add_typer(layers_app, name="layers")

    @layers_app.command("import", help=t("cmd.layers_import", lang))
    def layers_import(
        file: Annotated[Path, typer.Argument(help=t("opt.layer_file", lang))],
        kind: Annotated[str, typer.Option(help=t("opt.layer_kind", lang))],
        name: Annotated[str, typer.Option(help=t("opt.layer_name", lang))],
        attribution: Annotated[str, typer.Option(help=t("opt.layer_attribution", lang))],
        label_field: Annotated[str | None, typer.Option(help=t("opt.layer_label_field", lang))] = None,
        store: Annotated[str | None, store_opt] = None,
        actor: Annotated[str | None, actor_option(lang)] = None,
    ) -> None:
        from ..store import open_store
        from ..store.core import default_actor
        from ..store.layers import read_reference_file

        layer = read_reference_file(file, kind, name, attribution, label_field)
        st = open_store(store)
        n = st.import_reference_layer(layer, actor or default_actor())
        typer.echo(t("layers.imported", lang, n=n, name=name, kind=kind, store=st.label()))

    @layers_app.command("list", help=t("cmd.layers_list", lang))
    def layers_list(store: Annotated[str | None, store_opt] = None) -> None:
        from ..store import open_store

        for r in open_store(store).reference_layers():
            typer.echo(f"{r['name']:24s} {r['kind']:8s} {r['features']:6d}  {r['attribution']}")
