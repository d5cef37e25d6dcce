#!/usr/bin/env python3
"""The staff console in a real browser: headless Chromium driven by Selenium, every page checked by
axe-core for WCAG 2.2 A and AA.

Usage: browser-tests.py STEWARD_BINARY [DATABASE_URL]

Starts `steward serve --demo` in a folder of its own on a free loopback port (on SQLite, or on the
PostgreSQL database DATABASE_URL names). A resident asks for a copy of their data through the
portal: the start page, the form (sent empty once), check your answers, the code the demo wrote to
its mail folder (a wrong one first), and the confirmation. Then, as the demo's DPO:
  - opens the console and is sent to sign-in; sends the empty form and reads the error summary;
  - signs in with the setup code the server printed, is made to choose a password, gets the
    passwords wrong once and right once, and reaches the dashboard;
  - signs out, and signs in again by keyboard alone (Tab, typing and Enter, no clicks);
  - lists requests, filtered, and opens one (recorded through the API as staff would) to read its
    clock, timeline and tasks; verifies the audit log;
  - on every page: axe-core finds no WCAG 2.2 A or AA violation, the page has a title and one h1,
    every input has a label, and an invalid form shows an error summary whose links reach the
    fields.
Screenshots of every page go to .build/screenshots/ (or $STEWARD_SCREENSHOTS). Exits 0 when
every check passed.
"""

import json
import os
import re
import shutil
import sys
import time
import urllib.request

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

import axe_playwright_python
from demo_server import DemoServer, DemoServerError

# axe-selenium-python runs whichever axe-core it is given; the copy it bundles predates WCAG 2.2,
# so the current one (4.12, carried by axe-playwright-python) is given instead.
AXE_SCRIPT = os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PASSWORD = "correct horse battery staple"


class Journey:
    def __init__(self, base, screenshots, label):
        self.base = base
        self.screenshots = screenshots
        self.label = label
        self.checked = 0
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
            options.add_argument(argument)
        service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(60)

    def close(self):
        self.driver.quit()

    def open(self, path):
        self.driver.get(self.base + path)

    def check(self, name, invalid=False):
        """Checks the page now shown, and writes its screenshot as NAME."""
        driver = self.driver
        title = driver.title
        assert title.strip(), f"{name}: the page has no title"
        headings = driver.find_elements(By.TAG_NAME, "h1")
        assert len(headings) == 1, f"{name}: {len(headings)} h1 elements, not one"
        for field in driver.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), select, textarea"):
            identifier = field.get_attribute("id")
            assert identifier, f"{name}: an input without an id cannot have a label"
            labels = driver.find_elements(By.CSS_SELECTOR, f"label[for='{identifier}']")
            assert len(labels) == 1 and labels[0].text.strip(), f"{name}: input #{identifier} has no label"
        if invalid:
            summary = driver.find_elements(By.CSS_SELECTOR, ".error-summary")
            assert len(summary) == 1, f"{name}: an invalid form shows no error summary"
            assert title.startswith("Error: "), f"{name}: the title of an invalid form does not begin 'Error: '"
            links = summary[0].find_elements(By.TAG_NAME, "a")
            assert links, f"{name}: the error summary links to no field"
            for link in links:
                target = link.get_attribute("href").split("#", 1)[1]
                assert driver.find_elements(By.ID, target), f"{name}: the error summary links to #{target}, which is not on the page"
        axe = Axe(driver, script_url=AXE_SCRIPT)
        axe.inject()
        results = axe.run(options='{"runOnly": {"type": "tag", "values": %s}}' % str(AXE_TAGS).replace("'", '"'))
        violations = results["violations"]
        assert not violations, f"{name}: axe-core found WCAG 2.2 violations:\n{axe.report(violations)}"
        driver.save_screenshot(os.path.join(self.screenshots, f"{self.label}-{name}.png"))
        self.checked += 1
        print(f"  ✔ {name}: {title!r}, axe-core {results['testEngine']['version']}: no violations")

    def fill(self, values):
        for identifier, text in values.items():
            field = self.driver.find_element(By.ID, identifier)
            field.clear()
            field.send_keys(text)

    def submit(self):
        self.navigating(lambda: self.driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click())

    def navigating(self, action):
        """Does what leads to another page, and waits until that page has replaced this one."""
        page = self.driver.find_element(By.TAG_NAME, "html")
        action()
        WebDriverWait(self.driver, 60).until(expected_conditions.staleness_of(page))
        WebDriverWait(self.driver, 60).until(lambda driver: driver.execute_script("return document.readyState") == "complete")

    def path(self):
        return "/" + self.driver.current_url.split("/", 3)[3]

    def keyboard_to(self, identifier, limit=30):
        """Presses Tab until the element with this id has the focus."""
        active = self.driver.switch_to.active_element
        for _ in range(limit):
            active.send_keys(Keys.TAB)
            active = self.driver.switch_to.active_element
            if active.get_attribute("id") == identifier:
                return active
        raise AssertionError(f"#{identifier} was not reached with {limit} presses of Tab")


def staff_request(base, token):
    """Records a request as a caseworker would from a phone call, through the API; returns its reference."""
    body = {
        "kind": "access",
        "requester": {"name": "Ada Okafor", "email": "ada.okafor@example.org"},
        "description": "Everything you hold about me",
    }
    call = urllib.request.Request(
        base + "/api/v1/requests",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(call, timeout=30) as answer:
        return json.load(answer)["request"]["id"]


def emailed_code(folder, deadline=60):
    """The newest code the demo wrote to its mail folder."""
    mail = os.path.join(folder, "demo-mail")
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        codes = []
        for name in sorted(os.listdir(mail)) if os.path.isdir(mail) else []:
            with open(os.path.join(mail, name), encoding="utf-8", errors="replace") as message:
                codes += re.findall(r"Your code is: ([0-9]{6})", message.read())
        if codes:
            return codes[-1]
        time.sleep(0.5)
    raise AssertionError(f"no code was written to {mail} within {deadline} s")


def resident(journey, folder):
    """A resident asks for a copy of their data through the portal."""
    journey.open("/")
    journey.check("portal-home")
    journey.navigating(lambda: journey.driver.find_element(By.LINK_TEXT, "Ask for a copy of your data").click())
    journey.check("portal-access")
    journey.submit()
    journey.check("portal-access-empty", invalid=True)
    journey.fill({"name": "Ada Okafor", "email": "ada.okafor@example.org", "description": "Everything you hold about me"})
    journey.submit()
    assert "Check your answers" in journey.driver.find_element(By.TAG_NAME, "h1").text, "no check-your-answers page"
    journey.check("portal-check")
    journey.navigating(lambda: journey.driver.find_element(By.CSS_SELECTOR, "button[value=send]").click())
    assert journey.path().endswith("/code"), f"sending led to {journey.path()}"
    journey.check("portal-code")
    code = emailed_code(folder)
    journey.fill({"code": "000000" if code != "000000" else "111111"})
    journey.submit()
    journey.check("portal-code-wrong", invalid=True)
    journey.fill({"code": code})
    journey.submit()
    assert journey.driver.find_element(By.TAG_NAME, "h1").text == "Request received", "the right code did not confirm the request"
    journey.check("portal-confirmation")


def run(journey, setup_code, reference):
    email = "dpo@demo.steward.example"
    journey.open("/console")
    assert journey.path() == "/console/sign-in", f"an anonymous visit to /console went to {journey.path()}"
    journey.check("sign-in")

    journey.submit()
    journey.check("sign-in-empty", invalid=True)
    summary = journey.driver.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert "Enter your email address" in summary and "Enter your password" in summary, summary

    journey.fill({"email": email, "password": "not the code"})
    journey.submit()
    journey.check("sign-in-wrong", invalid=True)
    assert "not right" in journey.driver.find_element(By.CSS_SELECTOR, ".error-summary").text

    journey.fill({"email": email, "password": setup_code})
    journey.submit()
    assert journey.path() == "/console/password", f"the setup code led to {journey.path()}"
    journey.check("choose-password")
    journey.open("/console")
    assert journey.path() == "/console/password", "an account on its setup code reached the dashboard"

    journey.fill({"new": PASSWORD, "confirm": PASSWORD + " typo"})
    journey.submit()
    journey.check("choose-password-mismatch", invalid=True)
    journey.fill({"new": PASSWORD, "confirm": PASSWORD})
    journey.submit()
    assert journey.path().startswith("/console"), journey.path()
    assert journey.driver.find_element(By.TAG_NAME, "h1").text == "Rights requests"
    journey.check("dashboard")
    page = journey.driver.page_source
    assert "Requests received and closed by week" in page, "the dashboard has no weekly chart"

    journey.navigating(lambda: journey.driver.find_element(By.CSS_SELECTOR, ".header__nav button").click())
    assert journey.path() == "/console/sign-in", f"signing out led to {journey.path()}"
    journey.open("/console")
    assert journey.path() == "/console/sign-in", "the dashboard opened after signing out"

    # Keyboard alone: Tab to each field, type, Enter.
    journey.open("/console/sign-in")
    journey.keyboard_to("email").send_keys(email)
    password = journey.keyboard_to("password")
    password.send_keys(PASSWORD)
    journey.navigating(lambda: password.send_keys(Keys.ENTER))
    assert journey.driver.find_element(By.TAG_NAME, "h1").text == "Rights requests", "signing in by keyboard did not reach the dashboard"
    link = journey.keyboard_to("change-password-link")
    journey.navigating(lambda: link.send_keys(Keys.ENTER))
    assert journey.path() == "/console/password", f"Enter on the link led to {journey.path()}"
    journey.check("change-password")
    journey.keyboard_to("current").send_keys("wrong current password")
    journey.keyboard_to("new").send_keys("another long passphrase")
    confirm = journey.keyboard_to("confirm")
    confirm.send_keys("another long passphrase")
    journey.navigating(lambda: confirm.send_keys(Keys.ENTER))
    journey.check("change-password-wrong-current", invalid=True)
    # The error summary's link takes the focus to its field.
    journey.driver.find_element(By.CSS_SELECTOR, ".error-summary a").send_keys(Keys.ENTER)
    assert journey.driver.switch_to.active_element.get_attribute("id") == "current", "the error summary's link did not reach its field"

    # The requests: the list, filtered, and the request's own page.
    journey.open("/console/requests")
    journey.check("requests")
    journey.navigating(lambda: journey.driver.find_element(By.LINK_TEXT, reference).click())
    journey.check("request")
    page = journey.driver.page_source
    assert "Why the clock says this" in page and "Ada Okafor" in page, "the request page does not show its clock and requester"
    journey.open("/console/requests?status=closed")
    assert reference not in journey.driver.page_source, "an open request is listed as closed"
    journey.check("requests-closed")

    # The audit log: verified from its page.
    journey.open("/console/audit")
    journey.check("audit")
    journey.submit()
    assert "The log is intact" in journey.driver.page_source, "verifying the audit log did not say it is intact"
    journey.check("audit-verified")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    database = sys.argv[2] if len(sys.argv) == 3 else None
    label = "postgres" if database else "sqlite"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    screenshots = os.environ.get("STEWARD_SCREENSHOTS", os.path.join(root, ".build", "screenshots"))
    os.makedirs(screenshots, exist_ok=True)
    wanted = {"code": r"setup code ([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})", "token": r"Demo DPO token \(shown once\): (stw_\S+)"}
    journey = None
    try:
        with DemoServer(sys.argv[1], wanted=wanted, database=database, prefix="steward-browser.") as demo:
            print(f"The portal and the console in headless Chromium, Steward's store on {label}:")
            reference = staff_request(demo.base, demo.found["token"])
            journey = Journey(demo.base, screenshots, label)
            try:
                resident(journey, demo.folder)
                run(journey, demo.found["code"], reference)
            finally:
                if sys.exc_info()[0] is not None:
                    journey.driver.save_screenshot(os.path.join(screenshots, f"{label}-failure.png"))
                journey.close()
            print(f"All {journey.checked} pages passed; screenshots in {screenshots}")
            return 0
    except (AssertionError, DemoServerError) as failure:
        print(f"✘ {failure}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
