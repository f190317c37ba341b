import os
import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent


class DeploySettingsTests(SimpleTestCase):
    def test_check_deploy_is_clean_with_the_documented_production_variables(self):
        env = {
            **{key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-0123456789",
            "ALLOWED_HOSTS": "site-ops.example.org",
            "HTTPS": "1",
            "DEBUG": "0",
        }
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)

    def test_debug_is_off_unless_asked_for(self):
        code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
        for value, expected in ((None, "False"), ("1", "True")):
            env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
            env["DJANGO_SETTINGS_MODULE"] = "site_ops.settings"
            if value:
                env["DEBUG"] = value
            result = subprocess.run(
                [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
            )
            self.assertEqual(result.stdout.strip(), expected)
