{#- The werklijsten: for every published signal that calls for action (richting slechter, ernst hoog or
    midden) the current objects of its segment that its rule says to look at now, one row per
    signal x object, with the source system's key, why the row is on the list and the suggested action
    from the catalogue (seed werklijst_acties). Rules per indicator: docs/werklijsten.md.
    Matching: a signal's segment (dimensie=waarde pairs joined by ';') is split into pairs
    (dbt.split_part, portable) and an object matches when every pair matches one of its dimension rows. -#}
{%- set max_paren = 4 -%}
with

signalen as (
    select
        s.signaal_id,
        b.signaal_sleutel,
        s.proces,
        s.indicator,
        replace(s.indicator, '_trend', '') as basis_indicator,
        s.segment,
        s.ernst,
        length(s.segment) - length(replace(s.segment, ';', '')) + 1 as paren_aantal
    from {{ ref('signalen') }} as s
    inner join {{ ref('int_signalen_berekend') }} as b on b.signaal_id = s.signaal_id
    where s.richting = 'slechter'
        and s.ernst in ('hoog', 'midden')
),

paren as (
    {%- for i in range(1, max_paren + 1) %}
    select
        signaal_id,
        proces,
        {{ dbt.split_part(dbt.split_part('segment', "';'", i), "'='", 1) }} as dimensie,
        {{ dbt.split_part(dbt.split_part('segment', "';'", i), "'='", 2) }} as waarde
    from signalen
    where paren_aantal >= {{ i }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

dimensies as (
    select * from {{ ref('int_werklijst_object_dimensies') }}
),

treffers as (
    select
        p.signaal_id,
        d.object_soort,
        d.object_id
    from paren as p
    inner join signalen as s on s.signaal_id = p.signaal_id
    inner join dimensies as d
        on d.proces = p.proces and d.dimensie = p.dimensie and d.waarde = p.waarde
    group by p.signaal_id, s.paren_aantal, d.object_soort, d.object_id
    having count(distinct p.dimensie) = s.paren_aantal
),

objecten as (
    select * from {{ ref('int_werklijst_objecten') }}
),

partner_van_signaal as (
    select signaal_id, waarde as partner from paren where dimensie = 'partner'
),

regels as (
    select
        s.signaal_id,
        s.signaal_sleutel,
        s.proces,
        s.indicator,
        s.segment,
        s.ernst,
        o.object_soort,
        o.object_id,
        o.wijk,
        o.toestand,
        o.dagen,
        o.peildatum,
        o.maanden_achterstand,
        o.achterstand_maanden_12m,
        pv.partner,
        case
            when s.proces = 'verhuur' and s.basis_indicator in ('leegstandsduur', 'huurderving_per_leegstand')
                then case when o.toestand = 'leeg' then 'VH_LEEGSTAND_OPVOLGEN' else 'VH_VOORTIJDIG_PUBLICEREN' end
            when s.proces = 'verhuur' and s.basis_indicator = 'weigeringen_per_toewijzing'
                then 'VH_AANBOD_AFSTEMMEN'
            when s.proces = 'verhuur' and s.basis_indicator = 'reacties_per_publicatie'
                then 'VH_BEREIK_VERGROTEN'
            when s.proces = 'overlast' and s.basis_indicator in ('doorlooptijd', 'aandeel_langlopend')
                    and o.dagen >= 30 and not o.heeft_partner
                then 'OL_ESCALEREN'
            when s.proces = 'overlast' and s.basis_indicator = 'doorlooptijd_partner_binnen_30_dagen'
                    and o.dagen >= 30
                then 'OL_PARTNER_AANSPREKEN'
            when s.proces = 'overlast' and s.basis_indicator = 'meldingen_per_eenheid'
                then 'OL_WIJKAANPAK'
            when s.proces = 'incasso' and s.basis_indicator in ('instroom_achterstand', 'achterstand_pct_jaarhuur')
                    and o.maanden_achterstand < 1
                then case when o.in_achterstand then 'IN_VROEG_CONTACT' else 'IN_PREVENTIEF_BELLEN' end
            when s.proces = 'incasso' and s.basis_indicator = 'escalatie_deurwaarder'
                    and o.in_achterstand and not o.deurwaarder_bereikt
                then 'IN_REGELING_VOOR_DEURWAARDER'
        end as actie_code,
        -- order within a list (ascending): see docs/werklijsten.md, "Order"
        case when o.toestand = 'opgezegd' then 1 else 0 end as sorteer_groep,
        case
            when o.object_soort = 'eenheid' and o.toestand = 'opgezegd'
                then -1 * {{ dagen_tussen(extractdatum(), 'coalesce(o.peildatum, ' ~ extractdatum() ~ ')') }}
            when o.object_soort = 'huurovereenkomst'
                then o.maanden_achterstand + o.achterstand_maanden_12m
            else o.dagen
        end as sorteer_waarde
    from signalen as s
    inner join treffers as t on t.signaal_id = s.signaal_id
    inner join objecten as o on o.object_soort = t.object_soort and o.object_id = t.object_id
    left join partner_van_signaal as pv on pv.signaal_id = s.signaal_id
),

acties as (
    select * from {{ ref('werklijst_acties') }}
),

final as (
    select
        cast(r.signaal_id as {{ dbt.type_string() }}) as signaal_id,
        cast(r.signaal_sleutel as {{ dbt.type_string() }}) as signaal_sleutel,
        cast(r.proces as {{ dbt.type_string() }}) as proces,
        cast(r.indicator as {{ dbt.type_string() }}) as indicator,
        cast(r.segment as {{ dbt.type_string() }}) as segment,
        cast(r.ernst as {{ dbt.type_string() }}) as ernst,
        cast(r.object_soort as {{ dbt.type_string() }}) as object_soort,
        cast(r.object_id as {{ dbt.type_string() }}) as object_id,
        cast(r.wijk as {{ dbt.type_string() }}) as wijk,
        cast(case
            when r.object_soort = 'eenheid' and r.toestand = 'leeg'
                then {{ dbt.concat(["'Staat '", "cast(r.dagen as " ~ dbt.type_string() ~ ")", "' dagen leeg na huuropzegging'"]) }}
            when r.object_soort = 'eenheid' and r.peildatum is null
                then 'Huur opgezegd, einddatum nog niet bekend'
            when r.object_soort = 'eenheid'
                then {{ dbt.concat(["'Huur opgezegd, komt leeg per '", "cast(r.peildatum as " ~ dbt.type_string() ~ ")"]) }}
            when r.actie_code = 'OL_ESCALEREN'
                then {{ dbt.concat(["'Zaak '", "cast(r.dagen as " ~ dbt.type_string() ~ ")", "' dagen open, nog geen partner betrokken'"]) }}
            when r.actie_code = 'OL_PARTNER_AANSPREKEN'
                then {{ dbt.concat(["'Zaak '", "cast(r.dagen as " ~ dbt.type_string() ~ ")", "' dagen open, partner '", "r.partner", "' betrokken'"]) }}
            when r.actie_code = 'OL_WIJKAANPAK'
                then {{ dbt.concat(["'Zaak '", "cast(r.dagen as " ~ dbt.type_string() ~ ")", "' dagen open in een segment met veel meldingen'"]) }}
            when r.actie_code = 'IN_PREVENTIEF_BELLEN' and r.achterstand_maanden_12m > 0
                then {{ dbt.concat(["'Nu geen achterstand, wel '", "cast(r.achterstand_maanden_12m as " ~ dbt.type_string() ~ ")", "' van de laatste 12 maanden in achterstand'"]) }}
            when r.actie_code = 'IN_PREVENTIEF_BELLEN'
                then 'Nog geen achterstand, wel in het risicosegment'
            when r.actie_code = 'IN_VROEG_CONTACT'
                then {{ dbt.concat(["'Net in achterstand ('", "replace(cast(round(cast(r.maanden_achterstand as numeric), 1) as " ~ dbt.type_string() ~ "), '.', ',')", "' maand huur)'"]) }}
            when r.actie_code = 'IN_REGELING_VOOR_DEURWAARDER'
                then {{ dbt.concat(["'Achterstand van '", "replace(cast(round(cast(r.maanden_achterstand as numeric), 1) as " ~ dbt.type_string() ~ "), '.', ',')", "' maand huur, nog niet bij de deurwaarder'"]) }}
        end as {{ dbt.type_string() }}) as reden,
        cast(r.actie_code as {{ dbt.type_string() }}) as actie_code,
        cast(a.actie as {{ dbt.type_string() }}) as actie,
        cast(row_number() over (
            partition by r.signaal_id
            order by r.sorteer_groep, r.sorteer_waarde desc, r.object_id
        ) as integer) as prioriteit,
        cast({{ extractdatum() }} as date) as extractdatum
    from regels as r
    inner join acties as a on a.actie_code = r.actie_code
    where r.actie_code is not null
)

select * from final
