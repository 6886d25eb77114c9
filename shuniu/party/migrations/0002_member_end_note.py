from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("party", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="partymember",
            name="end_note",
            field=models.CharField(blank=True, max_length=200, verbose_name="减少原因说明"),
        ),
    ]
