from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0006_coverage_status_choices_defined_once'),
    ]

    operations = [
        migrations.AlterField(
            model_name='socialorg',
            name='type',
            field=models.CharField(choices=[('social_group', '社会团体'), ('service_institution', '社会服务机构（民办非企业单位）'), ('foundation', '基金会'), ('community_org', '社区社会组织'), ('social_intermediary', '社会中介组织（律师、会计师、税务师事务所）')], max_length=24, verbose_name='类型'),
        ),
    ]
