{#- One row per overlast zaak (zaaktype_soort SOC sociale melding or OMG omgevingsoverlast).
    Closed zaken: doorlooptijd = einddatum - registratiedatum; open ones: extract date - registratiedatum
    (censored: is_afgesloten = false). A zaak with an einddatum after the extract date counts as open.
    Zaken marked vertrouwelijkheid GEH are counted, never described: the warehouse holds no description
    at all (omschrijving is dropped at load); is_vertrouwelijk lets consumers leave them out of any listing.
    Unit dimensions as the unit (the address of the cause) was on the registration date. -#}
with

zaken as (
    select * from {{ ref('stg_raw__zaken') }}
    where not is_verwijderd
        and zaaktype_soort in ('SOC', 'OMG')
        and registratiedatum <= {{ extractdatum() }}
),

partners as (
    select * from {{ ref('int_zaak_partners') }}
),

paden as (
    select * from {{ ref('int_zaak_statuspaden') }}
),

eenheden as (
    select * from {{ ref('dim_eenheid_historie') }}
),

final as (
    select
        -- keys
        z.zaak_id,
        z.zaaktype_soort,
        z.zaaktype_detailsoort,
        z.zaaktype_detailsoort_naam,
        z.eenheid_id,
        -- period
        z.registratiedatum,
        case when z.einddatum <= {{ extractdatum() }} then z.einddatum end as einddatum,
        (z.einddatum is not null and z.einddatum <= {{ extractdatum() }}) as is_afgesloten,
        {{ dagen_tussen('z.registratiedatum',
            'case when z.einddatum <= ' ~ extractdatum() ~ ' then z.einddatum else ' ~ extractdatum() ~ ' end') }}
            as doorlooptijd_dagen,
        z.resultaat,
        -- status path
        p.status_pad,
        p.huidige_status,
        p.statussen_aantal,
        -- partners
        coalesce(b.partners_aantal, 0) as partners_aantal,
        b.partners,
        b.eerste_partner,
        {{ dagen_tussen('z.registratiedatum', 'b.eerste_partner_vanaf') }} as eerste_partner_dagen,
        coalesce({{ dagen_tussen('z.registratiedatum', 'b.eerste_partner_vanaf') }} <= 30, false)
            as partner_binnen_30_dagen,
        -- confidentiality
        z.vertrouwelijkheid,
        coalesce(z.vertrouwelijkheid = 'GEH', false) as is_vertrouwelijk,
        -- unit (address of the cause) at registration
        e.wijk,
        e.complex_id,
        e.eenheid_detailsoort,
        e.huurklasse,
        e.kamers_aantal,
        e.lift,
        e.energielabel,
        e.etage_klasse,
        e.bouwjaar_klasse,
        {{ extractdatum() }} as extractdatum
    from zaken as z
    left join partners as b
        on b.zaak_id = z.zaak_id
    left join paden as p
        on p.zaak_id = z.zaak_id
    left join eenheden as e
        on e.eenheid_id = z.eenheid_id and {{ versie_op('e', 'z.registratiedatum') }}
)

select * from final
