BEGIN TRANSACTION;
CREATE TABLE activity (
	id INTEGER NOT NULL, 
	plan_id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	number VARCHAR NOT NULL, 
	title JSON NOT NULL, 
	kind VARCHAR NOT NULL, 
	state VARCHAR NOT NULL, 
	resume_state VARCHAR, 
	removed BOOLEAN NOT NULL, 
	version INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (plan_id, "key"), 
	FOREIGN KEY(plan_id) REFERENCES "plan" (id)
);
INSERT INTO "activity" VALUES(1,1,'vice-chair-election','P.1','{"en": "Election of the Vice Chair", "es": "Elecci\u00f3n de la Vicepresidencia"}','procedural','completed',NULL,0,3,0,'2026-11-27 23:31:14.502727');
INSERT INTO "activity" VALUES(2,1,'work-plan','P.2','{"en": "Consideration of the Work Plan", "es": "Consideraci\u00f3n del Plan de Trabajo"}','procedural','completed',NULL,0,3,1,'2026-11-27 23:31:14.537647');
INSERT INTO "activity" VALUES(3,1,'thematic-communities','1.a','{"en": "Thematic session: Ties with national communities abroad: community programs, consular assistance and protection, and return programs.", "es": "Sesi\u00f3n tem\u00e1tica: V\u00ednculos con las comunidades nacionales en el exterior: programas comunitarios, asistencia y protecci\u00f3n consular, y programas de retorno."}','meeting','proposed',NULL,0,1,2,'2026-11-27 23:31:12.799646');
INSERT INTO "activity" VALUES(4,1,'thematic-new-challenges','1.b','{"en": "Thematic session: New challenges in migration: migrants in humanitarian crisis situations, refugees, displaced persons, and environmentally driven migration.", "es": "Sesi\u00f3n tem\u00e1tica: Nuevos desaf\u00edos de la migraci\u00f3n: migrantes en situaciones de crisis humanitaria, refugiados, personas desplazadas y migraci\u00f3n por causas ambientales."}','meeting','proposed',NULL,0,1,3,'2026-11-27 23:31:12.804969');
INSERT INTO "activity" VALUES(5,1,'forum-human-rights','2.a','{"en": "Half-day forum: Protecting the human rights of migrants.", "es": "Foro de medio d\u00eda: Protecci\u00f3n de los derechos humanos de los migrantes."}','meeting','proposal_presented',NULL,0,3,4,'2026-11-27 23:31:19.340022');
INSERT INTO "activity" VALUES(6,1,'forum-development','2.b','{"en": "Half-day forum: Migration and the development agenda.", "es": "Foro de medio d\u00eda: La migraci\u00f3n y la agenda de desarrollo."}','meeting','proposed',NULL,0,1,5,'2026-11-27 23:31:12.815096');
INSERT INTO "activity" VALUES(7,1,'campaign','3','{"en": "Define contents and modalities to implement a campaign to improve public perceptions of migrants.", "es": "Definir contenidos y modalidades para implementar una campa\u00f1a para mejorar la percepci\u00f3n p\u00fablica sobre los migrantes."}','campaign','proposed',NULL,0,1,6,'2026-11-27 23:31:12.820275');
INSERT INTO "activity" VALUES(8,1,'program-update','4','{"en": "Conclude the updating of the Inter-American Program for the Promotion and Protection of the Human Rights of Migrants, Including Migrant Workers and their Families. Installation of the Working Group and organization of formal and informal sessions to conclude the negotiations before the end of 2015, for its adoption by CIDI, ad referendum of the 46th regular session of the General Assembly.", "es": "Concluir la actualizaci\u00f3n del Programa Interamericano para la Promoci\u00f3n y Protecci\u00f3n de los Derechos Humanos de los Migrantes, Incluyendo los Trabajadores Migratorios y sus Familias. Instalaci\u00f3n del Grupo de Trabajo y organizaci\u00f3n de sesiones formales e informales para concluir las negociaciones antes de finales de 2015, para su adopci\u00f3n por el CIDI, ad refer\u00e9ndum del cuadrag\u00e9simo sexto per\u00edodo ordinario de sesiones de la Asamblea General."}','program_update','progress_reported',NULL,0,7,7,'2026-11-27 23:31:19.369368');
INSERT INTO "activity" VALUES(9,1,'sicremi','5','{"en": "Dissemination of the main results and future actions of the Continuous Reporting System on International Migration in the Americas (SICREMI).", "es": "Difusi\u00f3n de los principales resultados y acciones futuras del Sistema Continuo de Reportes sobre Migraci\u00f3n Internacional en las Am\u00e9ricas (SICREMI)."}','dissemination','presented',NULL,0,3,8,'2026-11-27 23:31:19.381428');
INSERT INTO "activity" VALUES(10,1,'cam-dissemination','6','{"en": "Dissemination of the CAM\u2019s activities: web page, information bulletins, newspaper stories, or use of social networks, as applicable.", "es": "Difusi\u00f3n de las actividades de la CAM: p\u00e1gina web, boletines informativos, notas de prensa o uso de redes sociales, seg\u00fan corresponda."}','dissemination','planned',NULL,0,1,9,'2026-11-27 23:31:12.834093');
INSERT INTO "activity" VALUES(11,1,'draft-resolution','7','{"en": "Consideration of a draft resolution on the topic of migration for referral to CIDI with a view to its presentation to the forty-sixth regular session of the General Assembly.", "es": "Consideraci\u00f3n de un proyecto de resoluci\u00f3n sobre el tema migratorio para su remisi\u00f3n al CIDI con miras a su presentaci\u00f3n al cuadrag\u00e9simo sexto per\u00edodo ordinario de sesiones de la Asamblea General."}','resolution','drafting',NULL,0,1,10,'2026-11-27 23:31:12.839056');
CREATE TABLE activityparagraph (
	activity_id INTEGER NOT NULL, 
	paragraph_id INTEGER NOT NULL, 
	PRIMARY KEY (activity_id, paragraph_id), 
	FOREIGN KEY(activity_id) REFERENCES activity (id), 
	FOREIGN KEY(paragraph_id) REFERENCES paragraph (id)
);
INSERT INTO "activityparagraph" VALUES(1,1);
INSERT INTO "activityparagraph" VALUES(1,2);
INSERT INTO "activityparagraph" VALUES(2,1);
INSERT INTO "activityparagraph" VALUES(2,2);
INSERT INTO "activityparagraph" VALUES(3,1);
INSERT INTO "activityparagraph" VALUES(3,2);
INSERT INTO "activityparagraph" VALUES(3,12);
INSERT INTO "activityparagraph" VALUES(4,1);
INSERT INTO "activityparagraph" VALUES(4,2);
INSERT INTO "activityparagraph" VALUES(4,12);
INSERT INTO "activityparagraph" VALUES(5,1);
INSERT INTO "activityparagraph" VALUES(5,2);
INSERT INTO "activityparagraph" VALUES(5,12);
INSERT INTO "activityparagraph" VALUES(6,1);
INSERT INTO "activityparagraph" VALUES(6,2);
INSERT INTO "activityparagraph" VALUES(6,12);
INSERT INTO "activityparagraph" VALUES(7,12);
INSERT INTO "activityparagraph" VALUES(7,6);
INSERT INTO "activityparagraph" VALUES(8,10);
INSERT INTO "activityparagraph" VALUES(8,11);
INSERT INTO "activityparagraph" VALUES(9,14);
INSERT INTO "activityparagraph" VALUES(10,4);
INSERT INTO "activityparagraph" VALUES(11,10);
INSERT INTO "activityparagraph" VALUES(11,11);
CREATE TABLE chainhead (
	id INTEGER NOT NULL, 
	last_hash VARCHAR NOT NULL, 
	length INTEGER NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "chainhead" VALUES(1,'2273738a1d4101bc12f50d2d769332771420519afb878bf70f79516f6c703aed',8);
CREATE TABLE history (
	id INTEGER NOT NULL, 
	activity_id INTEGER NOT NULL, 
	event VARCHAR NOT NULL, 
	from_state VARCHAR NOT NULL, 
	to_state VARCHAR NOT NULL, 
	actor VARCHAR NOT NULL, 
	at DATETIME NOT NULL, 
	note VARCHAR, 
	document VARCHAR, 
	session_id INTEGER, 
	recorded_at DATETIME NOT NULL, 
	prev_hash VARCHAR NOT NULL, 
	hash VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(activity_id) REFERENCES activity (id), 
	FOREIGN KEY(session_id) REFERENCES session (id), 
	UNIQUE (hash)
);
INSERT INTO "history" VALUES(1,1,'complete','pending','completed','secretariat-officer','2015-10-21 16:00:00.000000',NULL,NULL,1,'2026-11-27 23:31:14.507212','0000000000000000000000000000000000000000000000000000000000000000','57f6bcba0fd3563016188c647badd55e9844ff83588ee212acca6ecbc61ef365');
INSERT INTO "history" VALUES(2,2,'complete','pending','completed','secretariat-officer','2015-10-21 16:00:00.000000',NULL,NULL,1,'2026-11-27 23:31:14.539405','57f6bcba0fd3563016188c647badd55e9844ff83588ee212acca6ecbc61ef365','878d6c45473414b92231d07e33aecb565023ab9e5ea65973a25dfd8c6fa3c975');
INSERT INTO "history" VALUES(3,8,'install_working_group','mandated','working_group_installed','secretariat-officer','2015-10-21 16:00:00.000000',NULL,NULL,1,'2026-11-27 23:31:14.552454','878d6c45473414b92231d07e33aecb565023ab9e5ea65973a25dfd8c6fa3c975','42f3011ea986cb51c5b512345c2e7371da28dc498749fa9bb2ef27ea7802a1a9');
INSERT INTO "history" VALUES(4,8,'negotiate','working_group_installed','negotiating','secretariat-officer','2015-10-28 16:00:00.000000','First meeting',NULL,2,'2026-11-27 23:31:16.237440','42f3011ea986cb51c5b512345c2e7371da28dc498749fa9bb2ef27ea7802a1a9','89eb6df9bbed8805a706310f4ddb5b6388190ed87e66a6f2f32d5e17f0e783df');
INSERT INTO "history" VALUES(5,7,'reschedule','proposed','proposed','secretariat-officer','2015-11-02 17:00:00.000000','present_proposal moved from 2015-11 to 2015-12: Proposal not ready',NULL,4,'2026-11-27 23:31:17.798641','89eb6df9bbed8805a706310f4ddb5b6388190ed87e66a6f2f32d5e17f0e783df','90d7aa37b05c8ead4d41af859fc086a901b8b011736674d0fa532b15e3643705');
INSERT INTO "history" VALUES(6,5,'present_proposal','proposed','proposal_presented','secretariat-officer','2015-11-18 17:00:00.000000',NULL,NULL,3,'2026-11-27 23:31:19.343962','90d7aa37b05c8ead4d41af859fc086a901b8b011736674d0fa532b15e3643705','c2de03e8be2e6628c2968f159bb1a867d20ce81ce76d4e24773acd733621a8de');
INSERT INTO "history" VALUES(7,8,'report_progress','negotiating','progress_reported','secretariat-officer','2015-11-18 17:00:00.000000',NULL,NULL,3,'2026-11-27 23:31:19.371177','c2de03e8be2e6628c2968f159bb1a867d20ce81ce76d4e24773acd733621a8de','db5bac9ba7119b573620ea039298f48308ed3ec78fab9fd5db7a0a909d027711');
INSERT INTO "history" VALUES(8,9,'present','planned','presented','secretariat-officer','2015-11-18 17:00:00.000000',NULL,NULL,3,'2026-11-27 23:31:19.383141','db5bac9ba7119b573620ea039298f48308ed3ec78fab9fd5db7a0a909d027711','2273738a1d4101bc12f50d2d769332771420519afb878bf70f79516f6c703aed');
CREATE TABLE mandate (
	id INTEGER NOT NULL, 
	plan_id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	symbol VARCHAR NOT NULL, 
	title JSON NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (plan_id, "key"), 
	FOREIGN KEY(plan_id) REFERENCES "plan" (id)
);
INSERT INTO "mandate" VALUES(1,1,'ag-res-2738','AG/RES. 2738 (XLII-O/12)','{"en": "Strengthening the Topic of Migration in the OAS: Establishment of the Committee on Migration Issues", "es": "Fortalecimiento del tema migratorio en la OEA: Establecimiento de la Comisi\u00f3n de Asuntos Migratorios"}',0);
INSERT INTO "mandate" VALUES(2,1,'ag-res-2816','AG/RES. 2816 (XLIV-O/14)','{"en": "Advancing Hemispheric Initiatives on Integral Development", "es": "Impulsando iniciativas hemisf\u00e9ricas en materia de desarrollo integral"}',1);
CREATE TABLE milestone (
	id INTEGER NOT NULL, 
	session_id INTEGER NOT NULL, 
	activity_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	event VARCHAR, 
	text JSON NOT NULL, 
	planned_month VARCHAR NOT NULL, 
	done_history_id INTEGER, 
	PRIMARY KEY (id), 
	UNIQUE (session_id, position), 
	FOREIGN KEY(session_id) REFERENCES session (id), 
	FOREIGN KEY(activity_id) REFERENCES activity (id), 
	FOREIGN KEY(done_history_id) REFERENCES history (id)
);
INSERT INTO "milestone" VALUES(1,1,1,0,'complete','{"en": "Election of Vice Chair.", "es": "Elecci\u00f3n de la Vicepresidencia."}','2015-10',1);
INSERT INTO "milestone" VALUES(2,1,2,1,'complete','{"en": "Consideration of 2014-2015 Work Plan.", "es": "Consideraci\u00f3n del Plan de Trabajo 2014-2015."}','2015-10',2);
INSERT INTO "milestone" VALUES(3,1,8,2,'install_working_group','{"en": "Installation of the Working Group to Update the Inter-American Program for the Promotion and Protection of the Human Rights of Migrants, Including Migrant Workers and their Families.", "es": "Instalaci\u00f3n del Grupo de Trabajo para Actualizar el Programa Interamericano para la Promoci\u00f3n y Protecci\u00f3n de los Derechos Humanos de los Migrantes, Incluyendo los Trabajadores Migratorios y sus Familias."}','2015-10',3);
INSERT INTO "milestone" VALUES(4,2,8,0,'negotiate','{"en": "Meeting of the Working Group to Update the Inter-American Program for the Promotion and Protection of the Human Rights of Migrants, Including Migrant Workers and their Families.", "es": "Reuni\u00f3n del Grupo de Trabajo para Actualizar el Programa Interamericano para la Promoci\u00f3n y Protecci\u00f3n de los Derechos Humanos de los Migrantes, Incluyendo los Trabajadores Migratorios y sus Familias."}','2015-10',4);
INSERT INTO "milestone" VALUES(5,2,8,1,NULL,'{"en": "Establish schedule of meetings to conclude the review of the Program.", "es": "Establecer el calendario de reuniones para concluir la revisi\u00f3n del Programa."}','2015-10',NULL);
INSERT INTO "milestone" VALUES(6,3,5,0,'present_proposal','{"en": "Presentation by the Chair of proposal for the forum on protecting the rights of migrants.", "es": "Presentaci\u00f3n por la Presidencia de la propuesta para el foro sobre la protecci\u00f3n de los derechos de los migrantes."}','2015-11',6);
INSERT INTO "milestone" VALUES(7,4,7,1,'present_proposal','{"en": "Presentation of proposal for a campaign to improve public perceptions of migrants (first half of 2016).", "es": "Presentaci\u00f3n de la propuesta de una campa\u00f1a para mejorar la percepci\u00f3n p\u00fablica sobre los migrantes (primer semestre de 2016)."}','2015-12',NULL);
INSERT INTO "milestone" VALUES(8,3,8,2,'report_progress','{"en": "Progress report by the Working Group to Update the Inter-American Program for the Promotion and Protection of the Human Rights of Migrants, Including Migrant Workers and their Families.", "es": "Informe de avance del Grupo de Trabajo para Actualizar el Programa Interamericano para la Promoci\u00f3n y Protecci\u00f3n de los Derechos Humanos de los Migrantes, Incluyendo los Trabajadores Migratorios y sus Familias."}','2015-11',7);
INSERT INTO "milestone" VALUES(9,3,9,3,'present','{"en": "Presentation of the main results of the 2015 SICREMI report.", "es": "Presentaci\u00f3n de los principales resultados del informe SICREMI 2015."}','2015-11',8);
INSERT INTO "milestone" VALUES(10,4,5,0,'hold','{"en": "Forum on protecting the rights of migrants.", "es": "Foro sobre la protecci\u00f3n de los derechos de los migrantes."}','2015-12',NULL);
INSERT INTO "milestone" VALUES(11,5,8,0,'conclude','{"en": "Conclusion of the work of the Working Group to Update the Inter-American Program for the Promotion and Protection of the Human Rights of Migrants, Including Migrant Workers and their Families, and approval of the final version of the document.", "es": "Conclusi\u00f3n de los trabajos del Grupo de Trabajo para Actualizar el Programa Interamericano para la Promoci\u00f3n y Protecci\u00f3n de los Derechos Humanos de los Migrantes, Incluyendo los Trabajadores Migratorios y sus Familias, y aprobaci\u00f3n de la versi\u00f3n final del documento."}','2015-12',NULL);
INSERT INTO "milestone" VALUES(12,6,3,0,'hold','{"en": "Thematic session: \u201cTies with national communities abroad: community programs, consular assistance and protection, and return programs.\u201d", "es": "Sesi\u00f3n tem\u00e1tica: \u201cV\u00ednculos con las comunidades nacionales en el exterior: programas comunitarios, asistencia y protecci\u00f3n consular, y programas de retorno.\u201d"}','2016-01',NULL);
INSERT INTO "milestone" VALUES(13,6,7,1,'approve','{"en": "Presentation by the Chair of projects for the first half of 2016: Campaign to improve public perceptions of migrants.", "es": "Presentaci\u00f3n por la Presidencia de los proyectos para el primer semestre de 2016: Campa\u00f1a para mejorar la percepci\u00f3n p\u00fablica sobre los migrantes."}','2016-01',NULL);
INSERT INTO "milestone" VALUES(14,6,3,2,NULL,'{"en": "Presentation by the Chair of projects for the first half of 2016: Thematic session on consular protection and assistance.", "es": "Presentaci\u00f3n por la Presidencia de los proyectos para el primer semestre de 2016: Sesi\u00f3n tem\u00e1tica sobre protecci\u00f3n y asistencia consular."}','2016-01',NULL);
INSERT INTO "milestone" VALUES(15,6,6,3,'present_proposal','{"en": "Presentation by the Chair of projects for the first half of 2016: Forum on migration on the development agenda.", "es": "Presentaci\u00f3n por la Presidencia de los proyectos para el primer semestre de 2016: Foro sobre la migraci\u00f3n en la agenda de desarrollo."}','2016-01',NULL);
INSERT INTO "milestone" VALUES(16,7,4,0,'hold','{"en": "Thematic session on new challenges in migration: migrants in humanitarian crisis situations, refugees, displaced persons, and environmentally driven migration.", "es": "Sesi\u00f3n tem\u00e1tica sobre nuevos desaf\u00edos de la migraci\u00f3n: migrantes en situaciones de crisis humanitaria, refugiados, personas desplazadas y migraci\u00f3n por causas ambientales."}','2016-02',NULL);
INSERT INTO "milestone" VALUES(17,7,11,1,'present','{"en": "Presentation of the draft resolution for consideration by CIDI with a view to the 46th General Assembly", "es": "Presentaci\u00f3n del proyecto de resoluci\u00f3n para consideraci\u00f3n del CIDI con miras a la cuadrag\u00e9sima sexta Asamblea General"}','2016-02',NULL);
INSERT INTO "milestone" VALUES(18,8,6,0,'hold','{"en": "Forum on migration on the development agenda.", "es": "Foro sobre la migraci\u00f3n en la agenda de desarrollo."}','2016-03',NULL);
INSERT INTO "milestone" VALUES(19,9,11,0,'negotiate','{"en": "Negotiation of draft resolution for consideration by CIDI with a view to the 46th General Assembly.", "es": "Negociaci\u00f3n del proyecto de resoluci\u00f3n para consideraci\u00f3n del CIDI con miras a la cuadrag\u00e9sima sexta Asamblea General."}','2016-04',NULL);
INSERT INTO "milestone" VALUES(20,10,11,0,'approve','{"en": "Approval of draft resolution for consideration by CIDI with a view to the 46th General Assembly.", "es": "Aprobaci\u00f3n del proyecto de resoluci\u00f3n para consideraci\u00f3n del CIDI con miras a la cuadrag\u00e9sima sexta Asamblea General."}','2016-05',NULL);
CREATE TABLE paragraph (
	id INTEGER NOT NULL, 
	mandate_id INTEGER NOT NULL, 
	number VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (mandate_id, number), 
	FOREIGN KEY(mandate_id) REFERENCES mandate (id)
);
INSERT INTO "paragraph" VALUES(1,1,'1','To establish, on a priority basis, the Committee on Migratory Issues (CAM) as a permanent committee of the Inter-American Council for Integral Development (CIDI) of the Organization of American States (OAS). The CAM shall function as the principal forum in the Organization charged with migration issues.',0);
INSERT INTO "paragraph" VALUES(2,1,'2','The CAM shall operate in accordance with the statutes and rules of procedure of CIDI and on the basis of the following guidelines, among others:',1);
INSERT INTO "paragraph" VALUES(3,1,'2.a','A comprehensive, balanced, and technical approach that takes into consideration the contributions and challenges represented by migration for countries of origin, transit, destination, and/or return.',2);
INSERT INTO "paragraph" VALUES(4,1,'2.b','The importance of dialogue, exchanges of good practices, and the implementation of international, regional, subregional, and bilateral cooperation initiatives in the migration area, to expand the contribution made by migration to the Hemisphere’s integral development.',3);
INSERT INTO "paragraph" VALUES(5,1,'2.c','The global nature of migration processes and the peculiarities of South-South migration in its work.',4);
INSERT INTO "paragraph" VALUES(6,1,'2.d','Actions to strengthen the contributions of migrants by dignifying their image.',5);
INSERT INTO "paragraph" VALUES(7,1,'2.e','The inclusion of a gender perspective in its work.',6);
INSERT INTO "paragraph" VALUES(8,1,'2.f','It will take into consideration the work carried out by the Special Committee on Migration Issues (CEAM) and the programs carried out by the Migration and Development Program (MIDE).',7);
INSERT INTO "paragraph" VALUES(9,1,'2.g','The CAM shall be a forum for exchanges of experiences and lessons learned in the member states on the effective management of migration flows and for the identification of areas for possible cooperation.',8);
INSERT INTO "paragraph" VALUES(10,1,'3','To instruct the CAM to review, implement, and monitor the Inter-American Program for the Promotion and Protection of the Human Rights of Migrants, Including Migrant Workers and their Families, with a view to optimizing its objectives. The CAM shall submit a report on the results obtained to the General Assembly.',9);
INSERT INTO "paragraph" VALUES(11,2,'18','To instruct the Committee on Migration Issues (CAM) to update the “Inter-American Program for the Promotion and Protection of the Human Rights of Migrants, Including Migrant Workers and Their Families,” taking into account the diagnostic assessment of said inter-American program contained in document CIDI/CAM/doc.14/14 Rev. 1, and to present it to the General Assembly at its forty-fifth regular session.',0);
INSERT INTO "paragraph" VALUES(12,2,'19','To instruct the CAM, in keeping with the document “Future Framework of Action for the CAM” (CIDI/Doc.97/14), also to focus its cooperation work during the 2014-2015 period on comprehensive public policies focused on: A. Migrant integration in host countries: Media campaigns to dignify the image of migrants and prevent xenophobia; B. Inclusion of migrants that return to their countries of origin: Labor market insertion programs for migrants that return to their countries of origin; C. Contributions of migrants: Recognition and measurement of the economic and social contributions made by migrants in countries of origin and host countries.',1);
INSERT INTO "paragraph" VALUES(13,2,'20','To request the Executive Secretariat for Integral Development (SEDI) to assist the Inter-American Council for Integral Development (CIDI) in including the topic of “migration and development” in the latter''s Strategic Plan for Partnership for Integral Development based on the document “Migration and Development in the Americas” (CIDI/Doc.96/14).',2);
INSERT INTO "paragraph" VALUES(14,2,'21','To request SEDI to keep the CAM informed about the financial sustainability of the Continuous Reporting System on International Migration for the Americas (SICREMI).',3);
INSERT INTO "paragraph" VALUES(15,2,'22','To urge member states, permanent observers, and regional, international, and civil society organizations and other social actors to consider making voluntary contributions to the work of the CAM.',4);
CREATE TABLE person (
	id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	name VARCHAR NOT NULL, 
	role VARCHAR NOT NULL, 
	email VARCHAR, 
	language VARCHAR NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "person" VALUES(1,'chair','Chair of the CAM','chair',NULL,'en');
INSERT INTO "person" VALUES(2,'vice-chair','Vice Chair of the CAM','vice_chair',NULL,'en');
INSERT INTO "person" VALUES(3,'secretariat','Technical Secretariat of the CAM (SEDI)','secretariat',NULL,'en');
CREATE TABLE "plan" (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	title JSON NOT NULL, 
	body JSON NOT NULL, 
	period_start VARCHAR NOT NULL, 
	period_end VARCHAR NOT NULL, 
	general_assembly JSON NOT NULL, 
	timezone VARCHAR NOT NULL, 
	source VARCHAR NOT NULL, 
	digest VARCHAR NOT NULL, 
	loaded_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "plan" VALUES(1,'cam-2015-2016','{"en": "Work Plan of the Committee on Migration Issues 2015\u20132016", "es": "Plan de Trabajo de la Comisi\u00f3n de Asuntos Migratorios 2015\u20132016"}','{"name": {"en": "Committee on Migration Issues", "es": "Comisi\u00f3n de Asuntos Migratorios"}, "short": "CAM", "parent": "Inter-American Council for Integral Development (CIDI)", "organization": "Organization of American States (OAS)"}','2015-10','2016-05','{"en": "Forty-sixth regular session of the OAS General Assembly", "es": "cuadrag\u00e9simo sexto per\u00edodo ordinario de sesiones de la Asamblea General de la OEA"}','America/New_York','bundled:cam-2015-2016','ae5d1f812f205217808f08d1a48cce262965da1a00b42ccfd905a99dd3c9ddbc','2026-11-27 23:31:12.736775');
CREATE TABLE responsibility (
	activity_id INTEGER NOT NULL, 
	person_id INTEGER NOT NULL, 
	PRIMARY KEY (activity_id, person_id), 
	FOREIGN KEY(activity_id) REFERENCES activity (id), 
	FOREIGN KEY(person_id) REFERENCES person (id)
);
INSERT INTO "responsibility" VALUES(1,3);
INSERT INTO "responsibility" VALUES(2,3);
INSERT INTO "responsibility" VALUES(3,1);
INSERT INTO "responsibility" VALUES(4,1);
INSERT INTO "responsibility" VALUES(5,1);
INSERT INTO "responsibility" VALUES(6,1);
INSERT INTO "responsibility" VALUES(7,1);
INSERT INTO "responsibility" VALUES(8,1);
INSERT INTO "responsibility" VALUES(8,3);
INSERT INTO "responsibility" VALUES(9,3);
INSERT INTO "responsibility" VALUES(10,3);
INSERT INTO "responsibility" VALUES(11,1);
CREATE TABLE session (
	id INTEGER NOT NULL, 
	plan_id INTEGER NOT NULL, 
	"key" VARCHAR NOT NULL, 
	month VARCHAR NOT NULL, 
	date DATE, 
	kind VARCHAR NOT NULL, 
	title JSON NOT NULL, 
	mandates JSON NOT NULL, 
	held_on DATE, 
	removed BOOLEAN NOT NULL, 
	position INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (plan_id, "key"), 
	FOREIGN KEY(plan_id) REFERENCES "plan" (id)
);
INSERT INTO "session" VALUES(1,1,'2015-10a','2015-10','2015-10-21','regular','{"en": "Regular session", "es": "Sesi\u00f3n ordinaria"}','["ag-res-2816/18", "ag-res-2816/19", "ag-res-2816/20", "ag-res-2816/21", "ag-res-2816/22", "ag-res-2738/1", "ag-res-2738/2", "ag-res-2738/3"]','2015-10-21',0,0);
INSERT INTO "session" VALUES(2,1,'2015-10b','2015-10',NULL,'working_group','{"en": "Meeting of the Working Group to Update the Inter-American Program for the Promotion and Protection of the Human Rights of Migrants, Including Migrant Workers and their Families", "es": "Reuni\u00f3n del Grupo de Trabajo para Actualizar el Programa Interamericano para la Promoci\u00f3n y Protecci\u00f3n de los Derechos Humanos de los Migrantes, Incluyendo los Trabajadores Migratorios y sus Familias"}','["ag-res-2816/18", "ag-res-2738/3"]',NULL,0,1);
INSERT INTO "session" VALUES(3,1,'2015-11','2015-11','2015-11-18','regular','{"en": "Regular session", "es": "Sesi\u00f3n ordinaria"}','["ag-res-2816/19", "ag-res-2738/1", "ag-res-2738/2", "ag-res-2816/18", "ag-res-2738/3"]','2015-11-18',0,2);
INSERT INTO "session" VALUES(4,1,'2015-12a','2015-12',NULL,'forum','{"en": "Forum on protecting the rights of migrants", "es": "Foro sobre la protecci\u00f3n de los derechos de los migrantes"}','["ag-res-2816/19", "ag-res-2738/1", "ag-res-2738/2"]',NULL,0,3);
INSERT INTO "session" VALUES(5,1,'2015-12b','2015-12',NULL,'working_group','{"en": "Concluding meeting of the Working Group to Update the Inter-American Program for the Promotion and Protection of the Human Rights of Migrants, Including Migrant Workers and their Families", "es": "Reuni\u00f3n de conclusi\u00f3n del Grupo de Trabajo para Actualizar el Programa Interamericano para la Promoci\u00f3n y Protecci\u00f3n de los Derechos Humanos de los Migrantes, Incluyendo los Trabajadores Migratorios y sus Familias"}','["ag-res-2816/18", "ag-res-2738/3"]',NULL,0,4);
INSERT INTO "session" VALUES(6,1,'2016-01','2016-01',NULL,'thematic','{"en": "Thematic session: Ties with national communities abroad", "es": "Sesi\u00f3n tem\u00e1tica: V\u00ednculos con las comunidades nacionales en el exterior"}','["ag-res-2816/19", "ag-res-2738/1", "ag-res-2738/2"]',NULL,0,5);
INSERT INTO "session" VALUES(7,1,'2016-02','2016-02',NULL,'thematic','{"en": "Thematic session on new challenges in migration", "es": "Sesi\u00f3n tem\u00e1tica sobre nuevos desaf\u00edos de la migraci\u00f3n"}','["ag-res-2816/19", "ag-res-2738/1", "ag-res-2738/2"]',NULL,0,6);
INSERT INTO "session" VALUES(8,1,'2016-03','2016-03',NULL,'forum','{"en": "Forum on migration on the development agenda", "es": "Foro sobre la migraci\u00f3n en la agenda de desarrollo"}','["ag-res-2816/19", "ag-res-2738/1", "ag-res-2738/2"]',NULL,0,7);
INSERT INTO "session" VALUES(9,1,'2016-04','2016-04',NULL,'regular','{"en": "Regular session", "es": "Sesi\u00f3n ordinaria"}','["ag-res-2816/18", "ag-res-2738/3"]',NULL,0,8);
INSERT INTO "session" VALUES(10,1,'2016-05','2016-05',NULL,'regular','{"en": "Regular session", "es": "Sesi\u00f3n ordinaria"}','["ag-res-2816/18", "ag-res-2738/3"]',NULL,0,9);
CREATE UNIQUE INDEX ix_plan_name ON "plan" (name);
CREATE UNIQUE INDEX ix_person_key ON person ("key");
CREATE INDEX ix_mandate_plan_id ON mandate (plan_id);
CREATE INDEX ix_activity_state ON activity (state);
CREATE INDEX ix_activity_plan_id ON activity (plan_id);
CREATE INDEX ix_activity_kind ON activity (kind);
CREATE INDEX ix_activity_key ON activity ("key");
CREATE INDEX ix_session_month ON session (month);
CREATE INDEX ix_session_plan_id ON session (plan_id);
CREATE INDEX ix_paragraph_mandate_id ON paragraph (mandate_id);
CREATE INDEX ix_responsibility_person_id ON responsibility (person_id);
CREATE INDEX ix_history_activity_id ON history (activity_id);
CREATE INDEX ix_history_at ON history (at);
CREATE INDEX ix_activityparagraph_paragraph_id ON activityparagraph (paragraph_id);
CREATE INDEX ix_milestone_activity_id ON milestone (activity_id);
CREATE INDEX ix_milestone_session_id ON milestone (session_id);
COMMIT;
