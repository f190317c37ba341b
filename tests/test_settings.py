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

    def test_a_number_set_wrong_in_the_environment_is_named_with_the_reason(self):
        code = "import django; django.setup(); from django.conf import settings; print(settings.BACKUP_KEEP)"
        for name, value, reason in [
            ("BACKUP_KEEP", "abc", "BACKUP_KEEP must be a whole number, not 'abc'."),
            ("BACKUP_KEEP", "0", "BACKUP_KEEP must be at least 1, not '0'."),
            ("LIVE_HEARTBEAT_SECONDS", "soon", "LIVE_HEARTBEAT_SECONDS must be a number, not 'soon'."),
            ("PROXY_COUNT", "-1", "PROXY_COUNT must be at least 0, not '-1'."),
        ]:
            with self.subTest(name=name, value=value):
                env = {**os.environ, "DJANGO_SETTINGS_MODULE": "site_ops.settings", name: value}
                result = subprocess.run(
                    [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
                )
                self.assertNotEqual(result.returncode, 0)
                self.assertIn(f"ImproperlyConfigured: {reason}", result.stderr)
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "site_ops.settings", "BACKUP_KEEP": " 7 "}
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
        self.assertEqual(result.stdout.strip(), "7")


class StartupTests(SimpleTestCase):
    def test_the_server_compiles_every_template_of_the_project_and_none_of_the_packages(self):
        from site_ops.asgi import project_templates

        names = project_templates()
        on_disk = {
            str(path.relative_to(folder))
            for folder in ROOT.glob("**/templates")
            if ".venv" not in folder.parts and "node_modules" not in folder.parts
            for path in folder.rglob("*.html")
        }
        self.assertEqual(set(names), on_disk)
        for board in ("control/screen.html", "general/board.html", "medical/board.html", "catering/board.html"):
            self.assertIn(board, names)
        self.assertNotIn("admin/base.html", names)  # Django's own, loaded only if used
