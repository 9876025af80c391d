{#- SCD2 history of units, from the raw layer's per-extract snapshot versions (macros/historie.sql).
    The first known version of a unit is taken to hold since always (geldig_vanaf 1900-01-01): the
    warehouse's history starts at the first delivery, facts before it use the first version. The last
    version holds until 9999-12-31, also for a unit that left the extract (is_in_extract = false).
    Complex attributes (wijk, plaats, buurt) are the complex's version valid at the extract date. -#}
with

versies as (
    {{ scd2_versies(ref('stg_raw__eenheden'), 'eenheid_id') }}
),

complexen as (
    select
        complex_id,
        complex_naam,
        buurtcode,
        buurt,
        wijk,
        plaats,
        row_number() over (partition by complex_id order by geldig_vanaf desc) as nieuwste
    from {{ ref('stg_raw__complexen') }}
    where geldig_vanaf <= {{ extractdatum() }}
),

final as (
    select
        -- keys
        {{ dbt.concat([
            "v.eenheid_id",
            "'@'",
            "cast(v.geldig_vanaf as " ~ dbt.type_string() ~ ")"
        ]) }} as eenheid_versie_id,
        v.eenheid_id,
        v.complex_id,
        -- location
        c.wijk,
        c.buurtcode,
        c.buurt,
        c.plaats,
        -- kind
        v.eenheid_soort,
        v.eenheid_detailsoort,
        v.eenheid_detailsoort_naam,
        -- attributes and classes
        v.bouwjaar,
        {{ bouwjaar_klasse('v.bouwjaar') }} as bouwjaar_klasse,
        v.kamers_aantal,
        v.oppervlakte_m2,
        v.etage,
        {{ etage_klasse('v.etage') }} as etage_klasse,
        v.lift,
        v.energielabel,
        v.huurklasse,
        v.huurklasse_naam,
        -- rent
        v.nettohuur,
        v.brutohuur,
        -- exploitation
        v.in_exploitatiedatum,
        v.uit_exploitatiedatum,
        -- validity
        v.versie_geldig_vanaf as geldig_vanaf,
        v.versie_geldig_tot as geldig_tot,
        v.geldig_vanaf as geregistreerd_vanaf,
        v.versie_nr,
        v.is_laatste_versie,
        {{ is_actueel('v.geldig_vanaf', 'v.geldig_tot') }} as is_in_extract
    from versies as v
    left join complexen as c
        on c.complex_id = v.complex_id and c.nieuwste = 1
)

select * from final
