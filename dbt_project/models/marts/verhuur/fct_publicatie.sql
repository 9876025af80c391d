{#- One row per publicatie (advertisement of a vacant unit), with its offers, refusals and outcome.
    dagen_tot_verhuur: from the publicatie's begindatum to the accepted offer's answer date (NULL if not let).
    Re-publication: the unit's previous publicatie was not let and began at most 365 days earlier.
    Unit dimensions as the unit was when the publicatie began. -#}
with

publicaties as (
    select * from {{ ref('stg_raw__publicaties') }}
    where not is_verwijderd
        and begindatum <= {{ extractdatum() }}
),

aanbiedingen as (
    select * from {{ ref('int_aanbiedingen_per_publicatie') }}
),

eenheden as (
    select * from {{ ref('dim_eenheid_historie') }}
),

samen as (
    select
        p.publicatie_id,
        p.eenheid_id,
        p.begindatum,
        p.einddatum,
        p.publicatie_model,
        p.publicatie_status,
        p.reacties_aantal,
        coalesce(a.aanbiedingen_aantal, 0) as aanbiedingen_aantal,
        coalesce(a.weigeringen_aantal, 0) as weigeringen_aantal,
        coalesce(a.ingetrokken_aantal, 0) as ingetrokken_aantal,
        coalesce(a.toewijzingen_aantal, 0) > 0 as is_verhuurd,
        a.toewijzingsdatum,
        a.dominante_weigerreden
    from publicaties as p
    left join aanbiedingen as a
        on a.publicatie_id = p.publicatie_id
),

volgorde as (
    select
        *,
        row_number() over (partition by eenheid_id order by begindatum, publicatie_id) as publicatie_volgnummer,
        lag(is_verhuurd) over (partition by eenheid_id order by begindatum, publicatie_id) as vorige_is_verhuurd,
        lag(begindatum) over (partition by eenheid_id order by begindatum, publicatie_id) as vorige_begindatum
    from samen
),

final as (
    select
        -- keys
        v.publicatie_id,
        v.eenheid_id,
        -- period
        v.begindatum,
        v.einddatum,
        (v.einddatum is not null and v.einddatum <= {{ extractdatum() }}) as is_afgesloten,
        v.publicatie_model,
        v.publicatie_status,
        -- demand and offers
        v.reacties_aantal,
        v.aanbiedingen_aantal,
        v.weigeringen_aantal,
        v.ingetrokken_aantal,
        v.is_verhuurd,
        v.toewijzingsdatum,
        v.dominante_weigerreden,
        {{ code_naam('AANBIEDINGDETAILSTATUS', 'v.dominante_weigerreden') }} as dominante_weigerreden_naam,
        case when v.is_verhuurd then {{ dagen_tussen('v.begindatum', 'v.toewijzingsdatum') }} end as dagen_tot_verhuur,
        -- re-publication
        v.publicatie_volgnummer,
        coalesce(
            v.vorige_is_verhuurd = false
            and {{ dagen_tussen('v.vorige_begindatum', 'v.begindatum') }} <= 365,
            false
        ) as is_herpublicatie,
        -- unit as it was when the publicatie began
        {{ eenheid_dimensies('e') }}
    from volgorde as v
    left join eenheden as e
        on e.eenheid_id = v.eenheid_id and {{ versie_op('e', 'v.begindatum') }}
)

select * from final
