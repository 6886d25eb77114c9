"""Data: the industries (行业) used in filters, rollups and the demo scenarios."""

from django.db import migrations

INDUSTRIES = [
    ("legal", "法律服务（律师）"),
    ("accounting", "会计审计（注册会计师）"),
    ("education", "教育培训"),
    ("health", "医疗卫生"),
    ("internet", "互联网"),
    ("taxi", "出租汽车"),
    ("science", "科学技术"),
    ("culture", "文化"),
    ("sports", "体育"),
    ("social_services", "社会服务"),
    ("elderly_care", "养老服务"),
    ("charity", "慈善公益"),
    ("commerce", "工商服务"),
    ("agriculture", "农业及农村发展"),
    ("environment", "生态环境"),
    ("religion_ethnic", "民族宗教"),
    ("professional", "职业及从业者组织"),
    ("other", "其他"),
]


def add(apps, schema_editor):
    Industry = apps.get_model("registry", "Industry")
    for code, name in INDUSTRIES:
        Industry.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
