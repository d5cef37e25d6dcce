// This file is long because it is data: every category, use and subject of the built-in taxonomy,
// one per line, so that a council can read (and a reviewer diff) the whole vocabulary in one place.

/// The taxonomy Steward ships with.
///
/// The `fideslangCategories`, `fideslangUses` and `fideslangSubjects` lists are derived from the fideslang
/// default taxonomy by Ethyca, Inc., licensed under the Creative Commons Attribution 4.0 International
/// licence (https://creativecommons.org/licenses/by/4.0/) and credited in NOTICE. Their keys are unchanged;
/// the names and descriptions are rewritten, and UK GDPR Art 9 and Art 10 sensitivity is added.
///
/// The `public_service` data uses and the UK data categories and data subjects (`ukCategories`, `ukUses`,
/// `ukSubjects`) are Steward's own.
extension Taxonomy {
    /// The taxonomy every data map is checked against: the fideslang default taxonomy (2.x and 3.x keys,
    /// including those fideslang 3.2 deprecates, so existing Fides datasets load unchanged) followed by
    /// Steward's UK public-sector extensions.
    public static let builtin = Taxonomy(
        categories: fideslangCategories + ukCategories,
        uses: fideslangUses + ukUses,
        subjects: fideslangSubjects + ukSubjects
    )

    // MARK: - fideslang data categories

    /// The fideslang default data categories.
    static let fideslangCategories: [DataCategory] = [
        // system
        DataCategory(key: "system", name: "System data", description: "Data a system creates and controls for its own running."),
        DataCategory(key: "system.authentication", name: "Authentication data", description: "Data a system uses to control who may sign in to it."),
        DataCategory(key: "system.operations", name: "Operations data", description: "Data a system needs to run, such as internal record IDs."),

        // user
        DataCategory(key: "user", name: "User data", description: "Data about a person, whether they gave it or it was derived from what they did."),

        // user.account
        DataCategory(key: "user.account", name: "Account information", description: "Details given when a person registers or opens an account."),
        DataCategory(key: "user.account.username", name: "Username", description: "The name a person signs in with."),

        // user.authorization
        DataCategory(key: "user.authorization", name: "Authorisation information", description: "What a person may see and do in a system."),
        DataCategory(key: "user.authorization.credentials", name: "Credentials", description: "Secrets a person proves their identity with."),
        DataCategory(
            key: "user.authorization.biometrics",
            name: "Biometric authentication",
            description: "Biometric templates used to confirm a person's identity when they sign in.",
            sensitivity: .specialCategory
        ),
        DataCategory(key: "user.authorization.password", name: "Password", description: "A password, or a hash of one, used to sign in."),

        // user.behavior
        DataCategory(key: "user.behavior", name: "Observed behaviour", description: "What a person has been seen to do."),
        DataCategory(key: "user.behavior.browsing_history", name: "Browsing history", description: "Pages and content a person has viewed."),
        DataCategory(key: "user.behavior.media_consumption", name: "Media consumption", description: "Media a person has watched, read or heard."),
        DataCategory(key: "user.behavior.purchase_history", name: "Purchase history", description: "Things a person has bought or paid for."),
        DataCategory(key: "user.behavior.search_history", name: "Search history", description: "Searches a person has made."),

        // user.biometrics
        DataCategory(
            key: "user.biometrics",
            name: "Biometric data",
            description: "Measurements of a person's physical or behavioural traits that can identify them.",
            sensitivity: .specialCategory
        ),
        DataCategory(key: "user.biometrics.fingerprint", name: "Fingerprint", description: "A fingerprint image or template."),
        DataCategory(key: "user.biometrics.retinal", name: "Retina or iris scan", description: "A scan of a person's retina or iris."),
        DataCategory(key: "user.biometrics.voice", name: "Voiceprint", description: "A voice template used to recognise a person."),

        // user.children
        DataCategory(key: "user.children", name: "Children's data", description: "Data about a person who is a child."),
        DataCategory(key: "user.children.children_under_thirteen", name: "Child under 13", description: "Data about a child younger than thirteen."),
        DataCategory(key: "user.children.thirteen_to_sixteen", name: "Child aged 13 to 16", description: "Data about a child aged 13 to 16."),

        // user.contact
        DataCategory(key: "user.contact", name: "Contact details", description: "Ways of getting in touch with a person."),
        DataCategory(key: "user.contact.address", name: "Address", description: "A person's postal or home address."),
        DataCategory(key: "user.contact.address.city", name: "Town or city", description: "The town or city part of an address."),
        DataCategory(key: "user.contact.address.country", name: "Country", description: "The country part of an address."),
        DataCategory(key: "user.contact.address.postal_code", name: "Postcode", description: "The postcode of an address."),
        DataCategory(key: "user.contact.address.state", name: "County or state", description: "The county, state or region part of an address."),
        DataCategory(key: "user.contact.address.street", name: "Street address", description: "The house and street part of an address."),
        DataCategory(key: "user.contact.address.mailing_address", name: "Correspondence address", description: "Where post is sent, if different."),
        DataCategory(key: "user.contact.email", name: "Email address", description: "An email address for a person."),
        DataCategory(key: "user.contact.phone_number", name: "Phone number", description: "A landline or mobile number for a person."),
        DataCategory(key: "user.contact.social_url", name: "Web or social media link", description: "Links to a person's web or social profiles."),
        DataCategory(key: "user.contact.fax_number", name: "Fax number", description: "A fax number for a person."),

        // user.content
        DataCategory(key: "user.content", name: "User content", description: "Things a person has written, uploaded or made, or content about them."),
        DataCategory(key: "user.content.private", name: "Private content", description: "Content a person has not made public, such as messages."),
        DataCategory(key: "user.content.public", name: "Public content", description: "Content a person has chosen to publish."),
        DataCategory(key: "user.content.self_image", name: "Photograph", description: "A photo or image in which a person can be recognised."),

        // user.criminal_history
        DataCategory(
            key: "user.criminal_history",
            name: "Criminal history",
            description: "Criminal convictions, offences, allegations or related proceedings.",
            sensitivity: .criminalOffence
        ),

        // user.demographic
        DataCategory(key: "user.demographic", name: "Demographic data", description: "Traits that place a person in a population group."),
        DataCategory(key: "user.demographic.age_range", name: "Age range", description: "A person's approximate age or age band."),
        DataCategory(key: "user.demographic.date_of_birth", name: "Date of birth", description: "The date a person was born."),
        DataCategory(key: "user.demographic.gender", name: "Sex or gender", description: "A person's sex or gender."),
        DataCategory(key: "user.demographic.language", name: "Language", description: "The language a person speaks or prefers to use."),
        DataCategory(key: "user.demographic.marital_status", name: "Marital status", description: "Whether a person is single, married, and so on."),
        DataCategory(
            key: "user.demographic.political_opinion",
            name: "Political opinions",
            description: "A person's political views or affiliations.",
            sensitivity: .specialCategory
        ),
        DataCategory(key: "user.demographic.profile", name: "Profile and preferences", description: "What a person likes or is interested in."),
        DataCategory(
            key: "user.demographic.race_ethnicity",
            name: "Racial or ethnic origin",
            description: "A person's race or ethnic group.",
            sensitivity: .specialCategory
        ),
        DataCategory(
            key: "user.demographic.religious_belief",
            name: "Religious beliefs",
            description: "A person's religion or religious beliefs.",
            sensitivity: .specialCategory
        ),
        DataCategory(
            key: "user.demographic.sexual_orientation",
            name: "Sexual orientation",
            description: "Who a person is attracted to.",
            sensitivity: .specialCategory
        ),
        DataCategory(
            key: "user.demographic.citizenship_or_immigration_status",
            name: "Nationality or immigration status",
            description: "A person's citizenship or right to live in a country."
        ),
        DataCategory(
            key: "user.demographic.philosophical_belief",
            name: "Philosophical beliefs",
            description: "A person's philosophical beliefs or world view.",
            sensitivity: .specialCategory
        ),
        DataCategory(
            key: "user.demographic.protected_classifications",
            name: "Protected characteristics",
            description: "Other sensitive characteristics that law protects from discrimination.",
            sensitivity: .specialCategory
        ),
        DataCategory(
            key: "user.demographic.union_membership",
            name: "Trade union membership",
            description: "Whether a person belongs to a trade union.",
            sensitivity: .specialCategory
        ),

        // user.device
        DataCategory(key: "user.device", name: "Device data", description: "Data about a device a person uses and how it is set up."),
        DataCategory(key: "user.device.cookie", name: "Cookie data", description: "Data about a person held in a browser cookie."),
        DataCategory(key: "user.device.cookie_id", name: "Cookie ID", description: "A unique identifier stored in a cookie."),
        DataCategory(key: "user.device.device_id", name: "Device ID", description: "A unique identifier for a device."),
        DataCategory(key: "user.device.ip_address", name: "IP address", description: "The network address a device connects from."),
        DataCategory(key: "user.device.sensor", name: "Device sensor data", description: "Readings from a device's sensors."),
        DataCategory(key: "user.device.telemetry", name: "Device telemetry", description: "Measurements a device reports about how it is used."),

        // user.financial
        DataCategory(key: "user.financial", name: "Financial data", description: "A person's financial circumstances, accounts and history."),
        DataCategory(key: "user.financial.bank_account", name: "Bank account details", description: "A bank account number and sort code."),
        DataCategory(key: "user.financial.credit_card", name: "Payment card details", description: "A person's credit or debit card details."),

        // user.government_id
        DataCategory(key: "user.government_id", name: "Government identifier", description: "An identifier or document issued by a government."),
        DataCategory(key: "user.government_id.birth_certificate", name: "Birth certificate", description: "A birth certificate or its details."),
        DataCategory(key: "user.government_id.drivers_license_number", name: "Driving licence number", description: "A driving licence number."),
        DataCategory(key: "user.government_id.immigration", name: "Immigration document", description: "A visa, residence permit or similar record."),
        DataCategory(
            key: "user.government_id.national_identification_number",
            name: "National identity number",
            description: "A number a state issues to identify a person."
        ),
        DataCategory(key: "user.government_id.passport_number", name: "Passport number", description: "The number or details of a passport."),
        DataCategory(key: "user.government_id.vehicle_registration", name: "Vehicle registration", description: "A vehicle's number plate."),

        // user.health
        DataCategory(
            key: "user.health",
            name: "Health data",
            description: "A person's physical or mental health, or the care they receive.",
            sensitivity: .specialCategory
        ),
        DataCategory(key: "user.health.genetic", name: "Genetic data", description: "Results of analysing a person's DNA."),
        DataCategory(key: "user.health.insurance_beneficiary_id", name: "Health insurance number", description: "A health insurance member number."),
        DataCategory(key: "user.health.record_id", name: "Health record number", description: "An identifier for a person's medical record."),
        DataCategory(key: "user.health.baby_formula", name: "Baby formula", description: "What baby formula a person buys or uses."),
        DataCategory(key: "user.health.condition", name: "Health condition", description: "A condition or state of health a person has."),
        DataCategory(key: "user.health.maternity_clothing", name: "Maternity clothing", description: "Purchases that suggest a person is pregnant."),
        DataCategory(key: "user.health.medical_diagnosis", name: "Diagnosis", description: "A diagnosis a clinician has made."),
        DataCategory(key: "user.health.medications", name: "Medication", description: "Medicines a person takes."),
        DataCategory(key: "user.health.prescriptions", name: "Prescriptions", description: "Medicines prescribed for a person."),
        DataCategory(
            key: "user.health.reproductive_or_sexual",
            name: "Reproductive or sexual health",
            description: "A person's reproductive or sexual health."
        ),
        DataCategory(
            key: "user.health.social_psychological_behavioral",
            name: "Mental and behavioural health",
            description: "A person's mental, emotional, social or behavioural health."
        ),
        DataCategory(key: "user.health.symptons", name: "Symptoms", description: "Symptoms a person reports or shows."),
        DataCategory(key: "user.health.treatment", name: "Treatment", description: "Care or treatment a person receives."),

        // user.location
        DataCategory(key: "user.location", name: "Location data", description: "Where a person is or has been."),
        DataCategory(key: "user.location.coarse", name: "Approximate location", description: "A location known to within about 500 metres or more."),
        DataCategory(key: "user.location.precise", name: "Precise location", description: "A location known to within about 500 metres or better."),

        // user.name
        DataCategory(key: "user.name", name: "Name", description: "A person's real name."),
        DataCategory(key: "user.name.first", name: "First name", description: "A person's given or first name."),
        DataCategory(key: "user.name.last", name: "Surname", description: "A person's surname or family name."),

        // user.<other>
        DataCategory(key: "user.payment", name: "Payment data", description: "Payments a person has made or received."),
        DataCategory(key: "user.privacy_preferences", name: "Privacy choices", description: "Consents, opt-outs and other privacy choices."),
        DataCategory(key: "user.professional_information", name: "Work information", description: "A person's job and employment."),
        DataCategory(key: "user.professional_information.job_title", name: "Job title", description: "The title of a person's job or role."),
        DataCategory(key: "user.professional_information.workplace", name: "Employer", description: "The organisation a person works for."),
        DataCategory(key: "user.settings", name: "Settings", description: "Preferences and settings a person has chosen in a system."),
        DataCategory(key: "user.social_activity", name: "Social activity", description: "A person's interactions and connections with others."),
        DataCategory(key: "user.unique_id", name: "User ID", description: "An identifier a system gives a person."),
        DataCategory(key: "user.unique_id.deterministic", name: "Deterministic ID", description: "An ID derived the same way each time."),
        DataCategory(key: "user.unique_id.probablistic", name: "Probabilistic ID", description: "An ID inferred from a person's data."),

        // Keys that fideslang 3.2 deprecates, kept so datasets written before 3.2 load unchanged.
        DataCategory(key: "user.account.settings", name: "Account settings", description: "Account preferences (now user.settings)."),
        DataCategory(
            key: "user.authorization.biometric",
            name: "Biometric credentials",
            description: "Biometric data used to sign in (now user.authorization.biometrics).",
            sensitivity: .specialCategory
        ),
        DataCategory(
            key: "user.biometric",
            name: "Biometric data",
            description: "Physical or behavioural traits that can identify a person (now user.biometrics).",
            sensitivity: .specialCategory
        ),
        DataCategory(key: "user.biometric.fingerprint", name: "Fingerprint", description: "A fingerprint (now user.biometrics.fingerprint)."),
        DataCategory(key: "user.biometric.retinal", name: "Retina or iris scan", description: "A retina or iris scan (now user.biometrics.retinal)."),
        DataCategory(key: "user.biometric.voice", name: "Voiceprint", description: "A voice template (now user.biometrics.voice)."),
        DataCategory(
            key: "user.biometric.health",
            name: "Biometric health data",
            description: "Health readings taken from a person's body (now user.biometrics).",
            sensitivity: .specialCategory
        ),
        DataCategory(key: "user.childrens", name: "Children's data", description: "Data about a person who is a child (now user.children)."),
        DataCategory(key: "user.contact.url", name: "Web or social media link", description: "Personal web links (now user.contact.social_url)."),
        DataCategory(key: "user.contact.organization", name: "Organisation", description: "The organisation a person belongs to (now user.contact)."),
        DataCategory(
            key: "user.health_and_medical",
            name: "Health and medical data",
            description: "A person's physical or mental health, or the care they receive (now user.health).",
            sensitivity: .specialCategory
        ),
        DataCategory(key: "user.health_and_medical.genetic", name: "Genetic data", description: "DNA analysis results (now user.health.genetic)."),
        DataCategory(
            key: "user.health_and_medical.insurance_beneficiary_id",
            name: "Health insurance number",
            description: "A person's health insurance membership number (now user.health.insurance_beneficiary_id)."
        ),
        DataCategory(
            key: "user.health_and_medical.record_id",
            name: "Health record number",
            description: "An identifier for a person's medical record (now user.health.record_id)."
        ),
        DataCategory(key: "user.job_title", name: "Job title", description: "Job title (now user.professional_information.job_title)."),
        DataCategory(key: "user.workplace", name: "Employer", description: "Employer (now user.professional_information.workplace)."),
        DataCategory(key: "user.location.imprecise", name: "Approximate location", description: "A rough location (now user.location.coarse)."),
        DataCategory(key: "user.sensor", name: "Sensor data", description: "Sensor readings (now user.device.sensor)."),
        DataCategory(key: "user.social", name: "Social data", description: "A person's interactions with others (now user.social_activity)."),
        DataCategory(key: "user.telemetry", name: "Telemetry", description: "Measurements that can identify a person (now user.device.telemetry)."),
        DataCategory(key: "user.unique_id.pseudonymous", name: "Pseudonymous ID", description: "A derived identifier (now user.unique_id)."),
        DataCategory(key: "user.user_sensor", name: "Surroundings sensor data", description: "Readings of surroundings (now user.device.sensor)."),
    ]

    // MARK: - fideslang data uses

    /// The fideslang default data uses.
    static let fideslangUses: [DataUse] = [
        // analytics
        DataUse(key: "analytics", name: "Analytics", description: "Measuring and analysing how a service and its advertising perform."),
        DataUse(key: "analytics.reporting", name: "Reporting", description: "Producing reports on the performance of a service or its advertising."),
        DataUse(key: "analytics.reporting.ad_performance", name: "Advertising performance", description: "Reporting on how adverts perform."),
        DataUse(key: "analytics.reporting.content_performance", name: "Content performance", description: "Reporting on how well content performs."),
        DataUse(key: "analytics.reporting.campaign_insights", name: "Campaign insights", description: "Reporting on what campaigns achieved."),
        DataUse(key: "analytics.reporting.system", name: "System activity", description: "Reporting on how a system is used."),
        DataUse(key: "analytics.reporting.system.performance", name: "System performance", description: "Reporting on how well a system runs."),

        // collect
        DataUse(key: "collect", name: "Collect", description: "Gathering or storing data for a purpose not yet defined."),

        // employment
        DataUse(key: "employment", name: "Employment", description: "Recruiting, employing and managing staff."),
        DataUse(key: "employment.recruitment", name: "Recruitment", description: "Handling applications from people seeking a job."),

        // essential
        DataUse(key: "essential", name: "Essential", description: "Running a service, including its support, basic operation and legal duties."),
        DataUse(key: "essential.fraud_detection", name: "Fraud detection", description: "Spotting fraud or misuse of a service."),
        DataUse(key: "essential.legal_obligation", name: "Legal obligation", description: "Meeting a legal duty, such as keeping consent records."),
        DataUse(key: "essential.service", name: "Service provision", description: "Providing a service that could not be provided without the data."),
        DataUse(key: "essential.service.authentication", name: "Authentication", description: "Confirming who a person is when they sign in."),
        DataUse(key: "essential.service.notifications", name: "Service notifications", description: "Telling people about a service they use."),
        DataUse(key: "essential.service.notifications.email", name: "Email notifications", description: "Telling people about a service by email."),
        DataUse(key: "essential.service.notifications.sms", name: "Text notifications", description: "Telling people about a service by text."),
        DataUse(key: "essential.service.operations", name: "Service operations", description: "Keeping a service running."),
        DataUse(key: "essential.service.operations.support", name: "Support", description: "Helping people who use a service."),
        DataUse(key: "essential.service.operations.improve", name: "Support improvement", description: "Making the support for a service better."),
        DataUse(key: "essential.service.payment_processing", name: "Payment processing", description: "Taking and handling payments for a service."),
        DataUse(key: "essential.service.security", name: "Security", description: "Keeping a service and its data secure."),
        DataUse(key: "essential.service.upgrades", name: "Upgrades", description: "Telling people about upgrades to a service."),

        // finance
        DataUse(key: "finance", name: "Finance", description: "Accounting, audit, tax and other finance work."),

        // functional
        DataUse(key: "functional", name: "Functional", description: "Specific, necessary and legitimate functions of a service."),
        DataUse(key: "functional.service", name: "Service functions", description: "Functions of the service a person is using."),
        DataUse(key: "functional.service.improve", name: "Service improvement", description: "Making a service better."),
        DataUse(key: "functional.storage", name: "Device storage", description: "Storing or reading data on a person's device."),
        DataUse(
            key: "functional.storage.privacy_preferences",
            name: "Storing privacy choices",
            description: "Storing or reading a person's privacy choices on their device."
        ),

        // marketing
        DataUse(key: "marketing", name: "Marketing", description: "Marketing, advertising, promotion and sales."),
        DataUse(key: "marketing.advertising", name: "Advertising", description: "Advertising or promoting a service."),
        DataUse(key: "marketing.advertising.first_party", name: "First-party advertising", description: "Advertising using first-party data."),
        DataUse(
            key: "marketing.advertising.first_party.contextual",
            name: "Contextual advertising",
            description: "Choosing advertisements from the content a person is looking at."
        ),
        DataUse(
            key: "marketing.advertising.first_party.targeted",
            name: "First-party targeted advertising",
            description: "Choosing advertisements from what is known about a person's use of the service."
        ),
        DataUse(key: "marketing.advertising.frequency_capping", name: "Frequency capping", description: "Limiting how often an advert is shown."),
        DataUse(key: "marketing.advertising.negative_targeting", name: "Negative targeting", description: "Keeping adverts from some audiences."),
        DataUse(key: "marketing.advertising.profiling", name: "Advertising profiling", description: "Profiling people to target adverts."),
        DataUse(key: "marketing.advertising.serving", name: "Ad serving", description: "Delivering advertisements and content."),
        DataUse(key: "marketing.advertising.third_party", name: "Third-party advertising", description: "Advertising using others' data."),
        DataUse(
            key: "marketing.advertising.third_party.targeted",
            name: "Third-party targeted advertising",
            description: "Targeting advertisements using data combined with other organisations' data."
        ),
        DataUse(key: "marketing.communications", name: "Marketing communications", description: "Sending marketing messages to people."),
        DataUse(key: "marketing.communications.email", name: "Marketing emails", description: "Sending marketing messages by email."),
        DataUse(key: "marketing.communications.sms", name: "Marketing texts", description: "Sending marketing messages by text message."),

        // operations
        DataUse(key: "operations", name: "Operations", description: "Business processes the organisation needs to run."),

        // personalize
        DataUse(key: "personalize", name: "Personalisation", description: "Tailoring a service to the person using it."),
        DataUse(key: "personalize.content", name: "Content personalisation", description: "Tailoring the content a person sees."),
        DataUse(key: "personalize.content.limited", name: "Limited personalisation", description: "Tailoring content using a small amount of data."),
        DataUse(key: "personalize.content.profiled", name: "Profile-based personalisation", description: "Tailoring content from a profile."),
        DataUse(key: "personalize.content.profiling", name: "Personalisation profiling", description: "Profiling people to tailor content."),
        DataUse(
            key: "personalize.profiling",
            name: "Profiling",
            description: "Building profiles to tailor content (now personalize.content.profiling)."
        ),
        DataUse(key: "personalize.system", name: "System personalisation", description: "Tailoring how a system behaves for a person."),

        // sales
        DataUse(key: "sales", name: "Sales", description: "Sales work such as outreach to potential customers."),

        // third_party_sharing
        DataUse(key: "third_party_sharing", name: "Third-party sharing", description: "Passing data to organisations outside the service."),
        DataUse(
            key: "third_party_sharing.legal_obligation",
            name: "Sharing required by law",
            description: "Passing data on because law or contract requires it."
        ),

        // train_ai_system
        DataUse(key: "train_ai_system", name: "Model training", description: "Training a machine learning model on the data."),
    ]

    // MARK: - fideslang data subjects

    /// The fideslang default data subjects.
    static let fideslangSubjects: [DataSubjectKind] = [
        DataSubjectKind(key: "anonymous_user", name: "Anonymous user", description: "Someone who cannot be identified or re-identified."),
        DataSubjectKind(key: "citizen_voter", name: "Voter", description: "Someone on an electoral register."),
        DataSubjectKind(key: "commuter", name: "Commuter", description: "Someone whose travel or movements are tracked."),
        DataSubjectKind(key: "consultant", name: "Consultant", description: "Someone engaged by the organisation on a temporary or advisory basis."),
        DataSubjectKind(key: "customer", name: "Customer", description: "A person or organisation that buys from the organisation."),
        DataSubjectKind(key: "employee", name: "Employee", description: "Someone employed by the organisation."),
        DataSubjectKind(key: "job_applicant", name: "Job applicant", description: "Someone applying for a job with the organisation."),
        DataSubjectKind(key: "next_of_kin", name: "Next of kin", description: "A relative of another data subject."),
        DataSubjectKind(key: "passenger", name: "Passenger", description: "Someone travelling on transport that is provided for them."),
        DataSubjectKind(key: "patient", name: "Patient", description: "Someone receiving medical care."),
        DataSubjectKind(key: "prospect", name: "Prospect", description: "A person or organisation the organisation hopes to sell to."),
        DataSubjectKind(key: "shareholder", name: "Shareholder", description: "A person or organisation that owns shares in the organisation."),
        DataSubjectKind(key: "supplier_vendor", name: "Supplier", description: "A person or organisation that supplies the organisation."),
        DataSubjectKind(key: "trainee", name: "Trainee", description: "Someone being trained by the organisation."),
        DataSubjectKind(key: "visitor", name: "Visitor", description: "Someone visiting a site or building."),
    ]

    // MARK: - UK public-sector data categories

    /// Steward's UK public-sector data categories.
    static let ukCategories: [DataCategory] = [
        // Identifiers
        DataCategory(key: "user.government_id.ni_number", name: "National Insurance number", description: "A person's National Insurance number."),
        DataCategory(key: "user.government_id.nhs_number", name: "NHS number", description: "The number that identifies a person in NHS records."),
        DataCategory(key: "user.contact.address.uprn", name: "UPRN", description: "The Unique Property Reference Number of a property."),

        // Social care
        DataCategory(
            key: "user.social_care",
            name: "Social care records",
            description: "Records of the social care a person needs or receives, which reveal their health.",
            sensitivity: .specialCategory
        ),
        DataCategory(
            key: "user.social_care.assessment",
            name: "Needs assessment",
            description: "Assessments of a person's care and support needs or eligibility."
        ),
        DataCategory(key: "user.social_care.care_plan", name: "Care plan", description: "Care and support plans, reviews and the services arranged."),
        DataCategory(
            key: "user.social_care.safeguarding_concern",
            name: "Safeguarding concern",
            description: "Concerns, referrals and enquiries about a person's risk of abuse or neglect."
        ),

        // Education
        DataCategory(key: "user.education", name: "Education records", description: "A person's schooling and education."),
        DataCategory(key: "user.education.attainment", name: "Attainment", description: "Assessment results, grades and progress in education."),
        DataCategory(
            key: "user.education.special_needs",
            name: "Special educational needs and disabilities",
            description: "A child's SEND, including EHC plans and support provided.",
            sensitivity: .specialCategory
        ),

        // Finance and household
        DataCategory(
            key: "user.financial.council_tax",
            name: "Council tax account",
            description: "A council tax account: liability, band, discounts, exemptions and payments."
        ),
        DataCategory(
            key: "user.financial.benefits",
            name: "Benefits and support",
            description: "Benefits, council tax reduction, grants and other financial support."
        ),
        DataCategory(
            key: "user.household",
            name: "Household composition",
            description: "Who lives at an address with a person and how they are related.",
            isThirdParty: true
        ),

        // Other people
        DataCategory(
            key: "user.third_party",
            name: "Information about other people",
            description: "Information in a person's record that is about someone else.",
            isThirdParty: true
        ),
        DataCategory(
            key: "user.third_party.family_member",
            name: "Family member",
            description: "Details of a relative of the person the record is about.",
            isThirdParty: true
        ),
        DataCategory(
            key: "user.third_party.referrer",
            name: "Referrer",
            description: "Who made a referral or reported a concern, and what they said.",
            isThirdParty: true
        ),

        // Images
        DataCategory(key: "user.image", name: "Images", description: "Images or recordings in which a person can be seen."),
        DataCategory(
            key: "user.image.cctv",
            name: "CCTV footage",
            description: "CCTV or body-worn camera footage of a person, not processed to identify them biometrically."
        ),

        // Equality monitoring
        DataCategory(
            key: "user.equality_monitoring",
            name: "Equality monitoring data",
            description: "Data collected only to monitor equality of opportunity or treatment.",
            sensitivity: .specialCategory
        ),
        DataCategory(
            key: "user.equality_monitoring.ethnicity",
            name: "Ethnicity",
            description: "A person's ethnic group, given for equality monitoring."
        ),
        DataCategory(
            key: "user.equality_monitoring.religion",
            name: "Religion or belief",
            description: "A person's religion or belief, given for equality monitoring."
        ),
        DataCategory(
            key: "user.equality_monitoring.sexual_orientation",
            name: "Sexual orientation",
            description: "A person's sexual orientation, given for equality monitoring."
        ),
        DataCategory(
            key: "user.equality_monitoring.gender_identity",
            name: "Gender identity",
            description: "A person's gender identity, given for equality monitoring."
        ),
        DataCategory(
            key: "user.equality_monitoring.disability",
            name: "Disability",
            description: "Whether a person is disabled, given for equality monitoring."
        ),
    ]

    // MARK: - UK public-sector data uses

    /// Steward's UK public-sector data uses.
    static let ukUses: [DataUse] = [
        DataUse(key: "public_service", name: "Public service", description: "Carrying out the council's statutory functions and other public tasks."),
        DataUse(
            key: "public_service.statutory_social_care",
            name: "Adult social care",
            description: "Assessing and meeting adults' care and support needs, and supporting carers, under the Care Act 2014."
        ),
        DataUse(
            key: "public_service.childrens_social_care",
            name: "Children's social care",
            description: "Supporting children in need, protecting children, and caring for looked-after children and care leavers."
        ),
        DataUse(
            key: "public_service.safeguarding",
            name: "Safeguarding",
            description: "Protecting children and adults at risk from abuse and neglect, with partner agencies."
        ),
        DataUse(
            key: "public_service.education",
            name: "Education",
            description: "Providing and supporting education, including SEND and school attendance."
        ),
        DataUse(
            key: "public_service.school_admissions",
            name: "School admissions",
            description: "Allocating school places and hearing admission appeals."
        ),
        DataUse(key: "public_service.revenue_collection", name: "Council tax", description: "Billing, collecting and recovering council tax."),
        DataUse(key: "public_service.libraries", name: "Libraries", description: "Running the library service: membership, loans and reservations."),
        DataUse(
            key: "public_service.crime_prevention",
            name: "Crime prevention",
            description: "Preventing and detecting crime and disorder, for example with CCTV."
        ),
        DataUse(
            key: "public_service.fraud_prevention",
            name: "Fraud prevention",
            description: "Preventing and detecting fraud against the council and the public purse."
        ),
        DataUse(
            key: "public_service.audit",
            name: "Statutory audit",
            description: "Statutory audit and data matching, such as the National Fraud Initiative."
        ),
        DataUse(
            key: "public_service.emergency_planning",
            name: "Emergency planning",
            description: "Planning for and responding to emergencies, including identifying people who may need help."
        ),
        DataUse(
            key: "public_service.equality_monitoring",
            name: "Equality monitoring",
            description: "Monitoring equality of opportunity and treatment under the public sector equality duty."
        ),
        DataUse(key: "public_service.complaints", name: "Complaints", description: "Handling complaints about the council and its services."),
        DataUse(
            key: "public_service.information_rights",
            name: "Information rights",
            description: "Handling requests from people exercising their data protection rights, and related information requests."
        ),
        DataUse(
            key: "public_service.website_operation",
            name: "Website operation",
            description: "Running the council's website and online services."
        ),
    ]

    // MARK: - UK public-sector data subjects

    /// Steward's UK public-sector data subjects.
    static let ukSubjects: [DataSubjectKind] = [
        DataSubjectKind(key: "resident", name: "Resident", description: "Someone who lives in the council's area."),
        DataSubjectKind(key: "service_user", name: "Service user", description: "Someone who receives a council service, such as social care."),
        DataSubjectKind(key: "child", name: "Child", description: "Someone under 18."),
        DataSubjectKind(key: "carer", name: "Carer", description: "Someone who looks after a relative, friend or neighbour without being paid to."),
        DataSubjectKind(
            key: "parent_guardian",
            name: "Parent or guardian",
            description: "A parent, or someone else with parental responsibility for a child."
        ),
        DataSubjectKind(key: "pupil", name: "Pupil", description: "A child or young person on a school's roll."),
        DataSubjectKind(key: "council_tax_payer", name: "Council tax payer", description: "Someone liable to pay council tax on a property."),
        DataSubjectKind(key: "library_member", name: "Library member", description: "Someone registered to use the council's libraries."),
        DataSubjectKind(
            key: "member_of_public",
            name: "Member of the public",
            description: "Someone who deals with the council without a more specific relationship."
        ),
        DataSubjectKind(key: "website_visitor", name: "Website visitor", description: "Someone using the council's website or online services."),
        DataSubjectKind(key: "foster_carer", name: "Foster carer", description: "Someone approved to foster children, or applying to."),
        DataSubjectKind(
            key: "adult_at_risk",
            name: "Adult at risk",
            description: "An adult with care and support needs who is at risk of abuse or neglect."
        ),
        DataSubjectKind(key: "staff", name: "Staff", description: "Someone who works for the council: employees, agency workers and volunteers."),
        DataSubjectKind(key: "complainant", name: "Complainant", description: "Someone who has made a complaint to the council."),
    ]
}
