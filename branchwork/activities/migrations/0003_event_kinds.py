"""The usual kinds of event; administrators add, rename or retire kinds afterwards."""

from django.db import migrations

KINDS = [
    ("cultural", "문화 행사", "文化行事", "Cultural event"),
    ("sport", "체육 행사", "スポーツ行事", "Sport"),
    ("language_class", "우리말 교실", "ウリマル教室", "Korean language class"),
    ("information", "설명회", "説明会", "Information session"),
    ("commemoration", "기념 행사", "記念行事", "Commemoration"),
    ("friendship", "교류 행사", "交流行事", "Friendship and joint event"),
    ("meeting", "회의", "会議", "Meeting"),
]


def seed(apps, schema_editor):
    EventKind = apps.get_model("activities", "EventKind")
    for order, (code, ko, ja, en) in enumerate(KINDS):
        EventKind.objects.get_or_create(
            code=code, defaults={"name_ko": ko, "name_ja": ja, "name_en": en, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("activities", "0002_events")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
