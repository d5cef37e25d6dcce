#!/usr/bin/env python3
"""The staff console in a real browser: headless Chromium driven by Selenium, every page checked by
axe-core for WCAG 2.2 A and AA.

Usage: browser-tests.py STEWARD_BINARY [DATABASE_URL]

Starts the SMTP sink (scripts/lib/smtp-sink.py) and `steward serve --demo` sending its mail to
it, in a folder of its own on a free loopback port (on SQLite, or on the PostgreSQL database
DATABASE_URL names). Then the whole of a request, twice: once by mouse, once by keyboard alone
(Tab, typing, Space and Enter, never a click):
  - a resident asks for a copy of their data through the portal: the start page, the form (sent
    empty once), check your answers, the code read from the SMTP sink (a wrong one first), and
    the confirmation with the reference;
  - the demo's DPO signs in (the first time with the setup code the server printed, choosing a
    password and getting it wrong once; later by keyboard), opens the request, tries an
    extension without reasons and a dry run, runs the search against the demo council's
    sources and follows it until it is done, marks each system searched and completes the
    request; verifies the audit log and signs out;
  - the resident checks the request with the reference, the email address and a fresh code
    from the SMTP sink, downloads the bundle through the time-limited link, and the test opens
    the ZIP and finds their council tax row in it;
  - the DPO records a request that came by post, reads the data map, the record of processing
    and the gate's decisions, asks the gate a what-if, records and withdraws a restriction on a
    person's page, tests a source and opens the outbox; the portal's privacy notice;
  - on every page: axe-core finds no WCAG 2.2 A or AA violation, the page has a title and one
    h1, every input has a label, and an invalid form shows an error summary whose links reach
    the fields.
Screenshots of every page go to .build/screenshots/ (or $STEWARD_SCREENSHOTS). Exits 0 when
every check passed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

import axe_playwright_python
from demo_server import DemoServer, DemoServerError

# axe-selenium-python runs whichever axe-core it is given; the copy it bundles predates WCAG 2.2,
# so the current one (4.12, carried by axe-playwright-python) is given instead.
AXE_SCRIPT = os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PASSWORD = "correct horse battery staple"


class Journey:
    def __init__(self, base, screenshots, label, downloads):
        self.base = base
        self.screenshots = screenshots
        self.label = label
        self.checked = 0
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"]:
            options.add_argument(argument)
        service = Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver")
        options.add_experimental_option("prefs", {"download.default_directory": downloads, "download.prompt_for_download": False})
        self.driver = webdriver.Chrome(options=options, service=service)
        self.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
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

        def replaced(_):
            try:
                page.is_enabled()
                return False
            except StaleElementReferenceException:
                return True
            except WebDriverException as error:
                # Chromium sometimes says a node of a page that has gone is not in the document,
                # rather than that it is stale.
                if "does not belong to the document" in str(error):
                    return True
                raise

        WebDriverWait(self.driver, 60).until(replaced)
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


class Mail:
    """The SMTP sink (scripts/lib/smtp-sink.py) the demo sends its letters to, on a free loopback port."""

    def __init__(self, folder):
        self.folder = folder
        sink = os.path.join(os.path.dirname(os.path.abspath(__file__)), "smtp-sink.py")
        self.process = subprocess.Popen([sys.executable, sink, "--dir", folder], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.process.kill()
            raise DemoServerError(f"the SMTP sink did not start: {line!r}")
        self.port = int(line.split()[1])
        self.used = set()

    def close(self):
        self.process.terminate()
        self.process.wait(timeout=10)

    def code(self, to, subject, deadline=60):
        """The code in the newest message to `to` whose subject holds `subject`, not read before."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            for name in sorted(os.listdir(self.folder), reverse=True):
                # The envelope is written last: a message whose envelope is there is whole.
                if not name.endswith(".parsed.json") or name in self.used:
                    continue
                if not os.path.exists(os.path.join(self.folder, name.replace(".parsed.json", ".json"))):
                    continue
                with open(os.path.join(self.folder, name), encoding="utf-8") as file:
                    message = json.load(file)
                found = re.findall(r"Your code is: ([0-9]{6})", message.get("text") or "")
                if found and to in str(message.get("to")) and subject in (message.get("subject") or ""):
                    self.used.add(name)
                    return found[-1]
            time.sleep(0.3)
        raise AssertionError(f"no message to {to} about {subject!r} reached the SMTP sink within {deadline} s")


class Steps:
    """One journey's way of using the page: by mouse (click) or by keyboard alone (Tab, typing,
    Enter and Space, never a click), so the same journey can be run both ways."""

    def __init__(self, journey, keyboard):
        self.journey = journey
        self.keyboard = keyboard
        self.prefix = "keyboard-" if keyboard else ""

    @property
    def driver(self):
        return self.journey.driver

    def check(self, name, invalid=False):
        self.journey.check(self.prefix + name, invalid=invalid)

    def reach(self, matches, what):
        """The element `matches` accepts: by mouse, found on the page; by keyboard, reached by Tab."""
        if not self.keyboard:
            for element in self.driver.find_elements(By.CSS_SELECTOR, "a, button, input, textarea, select"):
                if element.is_displayed() and matches(element):
                    return element
            raise AssertionError(f"{what} is not on {self.journey.path()}")
        active = self.driver.switch_to.active_element
        for _ in range(80):
            active.send_keys(Keys.TAB)
            active = self.driver.switch_to.active_element
            if matches(active):
                return active
        raise AssertionError(f"{what} was not reached with 80 presses of Tab on {self.journey.path()}")

    def type(self, identifier, text):
        field = self.reach(lambda element: element.get_attribute("id") == identifier, f"#{identifier}")
        if not self.keyboard:
            field.clear()
        else:
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(Keys.DELETE)
        field.send_keys(text)

    def press(self, matches, what):
        """Follows a link or presses a button, and waits for the page it leads to."""
        element = self.reach(matches, what)
        if self.keyboard:
            self.journey.navigating(lambda: element.send_keys(Keys.ENTER))
        else:
            self.journey.navigating(element.click)

    def link(self, text):
        self.press(lambda element: element.tag_name == "a" and element.text.strip() == text, f"the link {text!r}")

    def button(self, text):
        self.press(lambda element: element.tag_name == "button" and element.text.strip() == text, f"the button {text!r}")

    def choose(self, identifier):
        radio = self.reach(lambda element: element.get_attribute("id") == identifier, f"#{identifier}")
        if self.keyboard:
            radio.send_keys(Keys.SPACE)
        else:
            radio.click()

    def heading(self):
        return self.driver.find_element(By.TAG_NAME, "h1").text


def resident_asks(steps, mail, email):
    """A resident asks for a copy of their data through the portal; returns the reference."""
    journey = steps.journey
    journey.open("/")
    steps.check("portal-home")
    steps.link("Ask for a copy of your data")
    steps.check("portal-access")
    steps.button("Continue")
    steps.check("portal-access-empty", invalid=True)
    steps.type("name", "Ada Okafor")
    steps.type("email", email)
    steps.type("description", "Everything you hold about me")
    steps.button("Continue")
    assert "Check your answers" in steps.heading(), "no check-your-answers page"
    steps.check("portal-check")
    steps.button("Send request")
    assert journey.path().endswith("/code"), f"sending led to {journey.path()}"
    steps.check("portal-code")
    code = mail.code(email, "confirm your identity")
    steps.type("code", "000000" if code != "000000" else "111111")
    steps.button("Confirm")
    steps.check("portal-code-wrong", invalid=True)
    steps.type("code", code)
    steps.button("Confirm")
    assert steps.heading() == "Request received", "the right code did not confirm the request"
    steps.check("portal-confirmation")
    return steps.driver.find_element(By.CSS_SELECTOR, ".reference").text.strip()


def caseworker_answers(steps, reference):
    """Staff open the resident's request, run the search, check the bundle, mark the systems
    searched and complete the request."""
    journey = steps.journey
    steps.link("Requests")
    steps.link(reference)
    steps.check("request")
    page = journey.driver.page_source
    assert "Why the clock says this" in page and "Ada Okafor" in page, "the request page does not show its clock and requester"
    if not steps.keyboard:
        # A change that needs reasons, sent without them, shows the error summary; nothing changes.
        steps.link("Extend by two months")
        steps.check("change-extend")
        steps.button("Extend and tell the requester")
        steps.check("change-extend-empty", invalid=True)
        steps.link("Cancel")
        steps.button("Dry run")
        assert "would find" in journey.driver.page_source, "the dry run says nothing of what it would find"
        steps.check("dry-run")
        steps.link("Back to the request")
    steps.button("Run the search")
    assert journey.path() == f"/console/requests/{reference}/run", f"running led to {journey.path()}"
    # The page's script follows the search and reloads the page when it has ended.
    WebDriverWait(journey.driver, 120).until(lambda driver: "The search is done" in driver.find_element(By.TAG_NAME, "h1").text)
    WebDriverWait(journey.driver, 60).until(lambda driver: driver.execute_script("return document.readyState") == "complete")
    steps.check("search-done")
    steps.link("Back to the request")
    while True:
        buttons = [b for b in journey.driver.find_elements(By.CSS_SELECTOR, "#tasks + table button") if b.text.startswith("Searched")]
        if not buttons:
            break
        label = buttons[0].text.strip()
        steps.press(lambda element, label=label: element.tag_name == "button" and element.text.strip() == label, label)
    steps.check("request-tasks-done")
    steps.link("Complete the request")
    steps.check("change-complete")
    steps.button("Complete the request")
    assert "Done: complete the request" in journey.driver.page_source, "completing the request said nothing"
    assert "Completed" in journey.driver.page_source


def resident_downloads(steps, mail, email, reference, downloads):
    """The resident checks the request with a fresh code and downloads the bundle; the test
    opens the ZIP and finds their council tax record in it."""
    journey = steps.journey
    journey.open("/")
    steps.link("Check a request")
    steps.check("portal-status")
    steps.button("Send me a code")
    steps.check("portal-status-empty", invalid=True)
    steps.type("reference", reference)
    steps.type("email", email)
    steps.button("Send me a code")
    steps.check("portal-status-code")
    code = mail.code(email, "Your code to see your request")
    steps.type("code", code)
    steps.button("Continue")
    assert steps.heading() == "Your request", f"the code led to {steps.heading()!r}"
    steps.check("portal-status-page")
    before = set(os.listdir(downloads))
    steps.reach(lambda element: element.get_attribute("id") == "download-bundle", "the download link")
    link = journey.driver.find_element(By.ID, "download-bundle")
    if steps.keyboard:
        journey.driver.switch_to.active_element.send_keys(Keys.ENTER)
    else:
        link.click()
    end = time.monotonic() + 60
    archive = None
    while time.monotonic() < end and archive is None:
        for name in set(os.listdir(downloads)) - before:
            if name.endswith(".zip"):
                archive = os.path.join(downloads, name)
        time.sleep(0.3)
    assert archive, f"no bundle was downloaded into {downloads} within 60 s"
    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
        tables = [name for name in names if name.startswith("data/") and name.endswith(".json")]
        assert tables, f"the bundle holds no data: {names}"
        rows = [row for name in tables for row in json.loads(bundle.read(name))]
        assert any(email in json.dumps(row) for row in rows), f"none of the bundle's {len(rows)} rows holds {email}"
        assert "report.html" in names and "manifest.json" in names, names
        print(f"  ✔ the bundle {os.path.basename(archive)} holds {len(rows)} rows in {len(tables)} tables, the resident's among them")
    os.remove(archive)


def console(journey, setup_code):
    """The DPO's first sign-in, the password rules, sign-out, keyboard sign-in and the audit log."""
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

    journey.open("/console/requests?status=closed")
    journey.check("requests-closed")

    journey.open("/console/audit")
    journey.check("audit")
    journey.submit()
    assert "The log is intact" in journey.driver.page_source, "verifying the audit log did not say it is intact"
    journey.check("audit-verified")

    journey.navigating(lambda: journey.driver.find_element(By.CSS_SELECTOR, ".header__nav button").click())
    assert journey.path() == "/console/sign-in", f"signing out led to {journey.path()}"
    journey.open("/console")
    assert journey.path() == "/console/sign-in", "the dashboard opened after signing out"


def sign_in_by_keyboard(journey):
    """Signs the DPO in by keyboard alone, then changes nothing with a wrong current password."""
    journey.open("/console/sign-in")
    journey.keyboard_to("email").send_keys("dpo@demo.steward.example")
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
    journey.open("/console")


def records(journey):
    """The DPO's other pages: recording a request that came by post, the data map down to a
    system's fields, purposes, recipients and the record of processing, loading a data map, the
    gate's decision log and a what-if, a person's page with a preference recorded and withdrawn,
    the sources tested, the outbox, and the portal's privacy notice."""
    steps = Steps(journey, keyboard=False)
    driver = journey.driver
    journey.open("/console/requests")
    steps.link("Record a request that came by post, phone or in person")
    journey.check("request-new")
    journey.fill({"name": "Bea Smith"})
    steps.button("Record the request")
    journey.check("request-new-invalid", invalid=True)
    Select(driver.find_element(By.ID, "kind")).select_by_value("erasure")
    journey.fill({"name": "Ada Okafor", "email": "ada.okafor@example.org", "description": "Please delete what you hold about me"})
    steps.button("Record the request")
    assert "The request is recorded" in driver.page_source, "recording a postal request said nothing"
    journey.check("request-recorded")
    # Identity confirmed by a document seen at the office, then a dry run of the erasure: the
    # changes are made in each source and rolled back, so the demo's data stays for what follows.
    steps.link("Confirm the requester's identity")
    driver.find_element(By.ID, "method").click()
    journey.fill({"evidence": "passport seen at the county hall counter"})
    steps.button("Confirm identity")
    steps.link("Make the change")
    journey.check("changes")
    steps.button("Dry run")
    assert "Dry run of" in driver.page_source, "the erasure's dry run reported nothing"
    journey.check("changes-dry-run")

    steps.link("Data map")
    journey.check("data-map")
    steps.link("Library management system")
    assert "Special category" in driver.page_source or "user.name" in driver.page_source, "the system page lists no fields"
    journey.check("data-map-system")
    steps.link("Purposes")
    journey.check("data-map-purposes")
    steps.link("Recipients and agreements")
    assert "Ends in" in driver.page_source or "Ended" in driver.page_source, "no agreement is flagged as ending or ended"
    journey.check("data-map-recipients")
    steps.link("Record of processing")
    journey.check("data-map-record")
    steps.link("Load a new version")
    journey.check("data-map-load")
    steps.button("Check and load")
    journey.check("data-map-load-empty", invalid=True)

    steps.link("Gate")
    assert "Wessex Leisure Trust" in driver.page_source, "the decision log does not show the demo's refused sharing"
    journey.check("gate")
    journey.open("/console/gate?from=yesterday")
    journey.check("gate-bad-filter", invalid=True)
    steps.link("Ask the gate what it would decide")
    journey.check("gate-try")
    steps.button("Ask the gate")
    journey.check("gate-try-empty", invalid=True)
    Select(driver.find_element(By.ID, "system")).select_by_value("libraries")
    Select(driver.find_element(By.ID, "purpose")).select_by_value("library_newsletter")
    journey.fill({"categories": "user.name, user.contact.email", "subject": "ada.okafor@example.org"})
    steps.button("Ask the gate")
    # The resident consented to the newsletter (the demo records it), so the gate allows it.
    assert "Allowed, as on" in driver.page_source, "the what-if does not honour the resident's recorded consent"
    journey.check("gate-try-answer")

    steps.link("People")
    journey.check("people")
    journey.fill({"value": "nobody@example.org"})
    steps.button("Find")
    journey.check("people-not-found", invalid=True)
    journey.fill({"value": "ada.okafor@example.org"})
    steps.button("Find")
    assert journey.path().startswith("/console/people/"), f"finding the resident led to {journey.path()}"
    journey.check("person")
    steps.link("Record a consent, refusal, objection or restriction")
    journey.check("preference")
    driver.find_element(By.ID, "kind-restriction").click()
    steps.button("Record it")
    journey.check("preference-invalid", invalid=True)
    journey.fill({"ground": "accuracy disputed while we check"})
    steps.button("Record it")
    assert "The preference is recorded" in driver.page_source, "recording a restriction said nothing"
    journey.navigating(lambda: driver.find_elements(By.CSS_SELECTOR, "a[href$='/withdraw']")[-1].click())
    journey.check("withdraw")
    steps.button("Withdraw it")
    journey.check("withdraw-untold", invalid=True)
    journey.fill({"notice": time.strftime("%Y-%m-%d", time.gmtime())})
    steps.button("Withdraw it")
    assert "The preference is withdrawn" in driver.page_source, "lifting the restriction said nothing"

    steps.link("Sources")
    journey.check("sources")
    steps.press(lambda element: element.tag_name == "button" and element.text.strip().startswith("Test"), "a source's Test button")
    assert "the check passed" in driver.page_source, "the demo source's check did not pass"
    journey.check("sources-tested")
    steps.link("Outbox")
    journey.check("outbox")
    journey.open("/privacy-notice")
    assert "Who receives it" in driver.page_source, "the privacy notice says nothing of recipients"
    journey.check("portal-privacy-notice")
    journey.open("/console")


def run(journey, setup_code, mail, downloads):
    email = "ada.okafor@example.org"
    # By mouse: the resident asks, the DPO (signing in for the first time) answers, the resident downloads.
    mouse = Steps(journey, keyboard=False)
    journey.open("/")
    mouse.link("Ask for CCTV footage of you")
    mouse.check("portal-cctv")
    mouse.button("Continue")
    mouse.check("portal-cctv-empty", invalid=True)
    reference = resident_asks(mouse, mail, email)
    console(journey, setup_code)
    sign_in_by_keyboard(journey)
    records(journey)
    caseworker_answers(mouse, reference)
    resident_downloads(mouse, mail, email, reference, downloads)
    # The same journey by keyboard alone.
    keys = Steps(journey, keyboard=True)
    reference = resident_asks(keys, mail, email)
    journey.open("/console")
    caseworker_answers(keys, reference)
    resident_downloads(keys, mail, email, reference, downloads)


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    database = sys.argv[2] if len(sys.argv) == 3 else None
    label = "postgres" if database else "sqlite"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    screenshots = os.environ.get("STEWARD_SCREENSHOTS", os.path.join(root, ".build", "screenshots"))
    os.makedirs(screenshots, exist_ok=True)
    wanted = {"code": r"setup code ([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})"}
    scratch = tempfile.mkdtemp(prefix="steward-browser-files.")
    downloads = os.path.join(scratch, "downloads")
    os.makedirs(downloads)
    mail = None
    journey = None
    try:
        mail = Mail(os.path.join(scratch, "mail"))
        relay = {"STEWARD_SMTP_HOST": "127.0.0.1", "STEWARD_SMTP_PORT": str(mail.port), "STEWARD_SMTP_SECURITY": "none"}
        with DemoServer(sys.argv[1], wanted=wanted, database=database, prefix="steward-browser.", environment=relay) as demo:
            print(f"The portal and the console in headless Chromium, Steward's store on {label}:")
            journey = Journey(demo.base, screenshots, label, downloads)
            try:
                run(journey, demo.found["code"], mail, downloads)
            finally:
                if sys.exc_info()[0] is not None:
                    journey.driver.save_screenshot(os.path.join(screenshots, f"{label}-failure.png"))
                journey.close()
            print(f"All {journey.checked} pages passed; screenshots in {screenshots}")
            return 0
    except (AssertionError, DemoServerError, WebDriverException) as failure:
        print(f"✘ {type(failure).__name__}: {failure}")
        return 1
    finally:
        if mail:
            mail.close()
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
