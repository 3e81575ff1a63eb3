"""Whole names get keys of their own, ``w:<family> <given>``, apart from the name tokens
(``t:``): a word is looked up in the whole names only where it runs on past a family name, so
the people a common family name finds are each in its range once (see ``people.search``). The
keys are derived from the names, so they are computed again for everyone."""

from importlib import import_module

from django.db import migrations


def refill(apps, schema_editor):  # type: ignore[no-untyped-def]
    import_module("branchwork.people.migrations.0010_search_tokens").refill(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("people", "0010_search_tokens")]

    operations = [migrations.RunPython(refill, migrations.RunPython.noop)]
